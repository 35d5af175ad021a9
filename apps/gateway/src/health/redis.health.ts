import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type Redis from 'ioredis';
import type { AppConfig } from '@chat/config';
import type { RedisKeys } from '@chat/contracts';
import { APP_CONFIG, withTimeout } from '@chat/config';
import { REDIS, REDIS_KEYS, REDIS_PUB, REDIS_QUEUE, REDIS_SUB, type RedisQueue } from '../repositories/redis.module';

const PROBE_TIMEOUT_MS = 1_500;

/**
 * Redis as the gateway depends on it: commands answer, the queue's connection answers, and
 * pub/sub really delivers. The last one publishes a nonce on this replica's own sharded channel
 * through the adapter's publisher and waits for the adapter's subscriber to receive it, so a
 * subscriber that is connected but deaf shows as down.
 */
@Injectable()
export class RedisHealthIndicator implements OnModuleInit {
  private readonly probeChannel: string;
  private readonly waiting = new Map<string, () => void>();

  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_QUEUE) private readonly queue: RedisQueue,
    @Inject(REDIS_PUB) private readonly pub: Redis,
    @Inject(REDIS_SUB) private readonly sub: Redis,
    @Inject(REDIS_KEYS) keys: RedisKeys,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.probeChannel = keys.healthProbeChannel(config.gateway.replicaId);
  }

  onModuleInit(): void {
    this.sub.on('smessage', (channel: string, nonce: string) => {
      if (channel === this.probeChannel) this.waiting.get(nonce)?.();
    });
    // ioredis re-issues it after a reconnect. One made while the connection is handshaking would be
    // lost to ioredis's ready check, which REDIS_SUB skips (createSubscriber).
    this.sub.ssubscribe(this.probeChannel).catch(() => undefined);
  }

  async commands(key: string) {
    const indicator = this.indicators.check(key);
    return withTimeout(this.redis.ping(), PROBE_TIMEOUT_MS, 'PING')
      .then(() => indicator.up())
      .catch((error: Error) => indicator.down({ message: error.message }));
  }

  async queueConnection(key: string) {
    const indicator = this.indicators.check(key);
    return withTimeout(this.queue.ping(), PROBE_TIMEOUT_MS, 'PING (queue)')
      .then(() => indicator.up())
      .catch((error: Error) => indicator.down({ message: error.message }));
  }

  async pubSub(key: string) {
    const indicator = this.indicators.check(key);
    const nonce = randomUUID();
    const delivered = new Promise<void>((resolve) => this.waiting.set(nonce, resolve));
    try {
      await withTimeout(Promise.all([this.pub.spublish(this.probeChannel, nonce), delivered]), PROBE_TIMEOUT_MS, 'pub/sub round trip');
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: (error as Error).message });
    } finally {
      this.waiting.delete(nonce);
    }
  }
}
