import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { AppConfig } from '@chat/config';
import type { RedisKeys } from '@chat/contracts';
import { APP_CONFIG, withTimeout } from '@chat/config';
import { describeRedisUrl, type RedisClient } from '@chat/redis';
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
  /** Per role, where it points (password masked), shown beside its state. */
  private readonly targets: Record<'state' | 'queue' | 'pubsub', { role: string; target: string }>;

  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(REDIS_QUEUE) private readonly queue: RedisQueue,
    @Inject(REDIS_PUB) private readonly pub: RedisClient,
    @Inject(REDIS_SUB) private readonly sub: RedisClient,
    @Inject(REDIS_KEYS) keys: RedisKeys,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.probeChannel = keys.healthProbeChannel(config.gateway.replicaId);
    const role = (name: 'state' | 'queue' | 'pubsub') => ({ role: name, target: describeRedisUrl(config.redis[name]) });
    this.targets = { state: role('state'), queue: role('queue'), pubsub: role('pubsub') };
  }

  onModuleInit(): void {
    this.sub.on('smessage', (channel: string, nonce: string) => {
      if (channel === this.probeChannel) this.waiting.get(nonce)?.();
    });
    // ioredis re-issues it after a reconnect. One made while the connection is handshaking would be
    // lost to ioredis's ready check, which REDIS_SUB skips (createSubscriber).
    this.sub.ssubscribe(this.probeChannel).catch(() => undefined);
  }

  /** The state role answers commands. */
  async commands(key: string) {
    return this.ping(key, this.redis, this.targets.state);
  }

  /** The queue role answers commands. */
  async queueConnection(key: string) {
    return this.ping(key, this.queue, this.targets.queue);
  }

  private async ping(key: string, redis: RedisClient, details: { role: string; target: string }) {
    const indicator = this.indicators.check(key);
    return withTimeout(redis.ping(), PROBE_TIMEOUT_MS, `PING (${details.role})`)
      .then(() => indicator.up(details))
      .catch((error: Error) => indicator.down({ ...details, message: error.message }));
  }

  /** The pub/sub role delivers: a nonce published on this replica's own channel comes back to its subscriber. */
  async pubSub(key: string) {
    const indicator = this.indicators.check(key);
    const details = this.targets.pubsub;
    const nonce = randomUUID();
    const delivered = new Promise<void>((resolve) => this.waiting.set(nonce, resolve));
    try {
      await withTimeout(Promise.all([this.pub.spublish(this.probeChannel, nonce), delivered]), PROBE_TIMEOUT_MS, 'pub/sub round trip');
      return indicator.up(details);
    } catch (error) {
      return indicator.down({ ...details, message: (error as Error).message });
    } finally {
      this.waiting.delete(nonce);
    }
  }
}
