import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { AppConfig } from '@chat/config';
import type { Cluster } from 'ioredis';
import type { RedisKeys } from '@chat/contracts';
import { APP_CONFIG, withTimeout } from '@chat/config';
import { describeRedisUrl, keySlot, type RedisClient } from '@chat/redis';
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
      if (this.subscribed.has(channel)) this.waiting.get(nonce)?.();
    });
    this.subscribe([this.probeChannel]);
  }

  /** Probe channels already subscribed to (one per master on a Redis Cluster). */
  private readonly subscribed = new Set<string>();

  private subscribe(channels: string[]): void {
    const fresh = channels.filter((channel) => !this.subscribed.has(channel));
    if (fresh.length === 0) return;
    for (const channel of fresh) this.subscribed.add(channel);
    // ioredis re-issues them after a reconnect. One made while the connection is handshaking would
    // be lost to ioredis's ready check, which REDIS_SUB skips (createSubscriber).
    for (const channel of fresh) this.sub.ssubscribe(channel).catch(() => this.subscribed.delete(channel));
  }

  /**
   * The channels a probe goes through: this replica's own, and on a Redis Cluster one per master
   * (a hash tag chosen for a slot that master serves), so a subscriber deaf on any shard shows.
   */
  private probeChannels(): string[] {
    if (!this.pub.isCluster) return [this.probeChannel];
    const cluster = this.pub as Cluster;
    const masters = new Set(cluster.nodes('master').map((node) => `${node.options.host}:${node.options.port}`));
    const channels: string[] = [];
    const covered = new Set<string>();
    for (let tag = 0; tag < 10_000 && covered.size < masters.size; tag++) {
      const channel = `${this.probeChannel}:{${tag}}`;
      const owner = cluster.slots[keySlot(channel)]?.[0];
      if (owner && masters.has(owner) && !covered.has(owner)) {
        covered.add(owner);
        channels.push(channel);
      }
    }
    return channels.length > 0 ? channels : [this.probeChannel];
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

  /** The pub/sub role delivers: a nonce published on each probe channel comes back to this replica's subscriber. */
  async pubSub(key: string) {
    const indicator = this.indicators.check(key);
    const details = this.targets.pubsub;
    const channels = this.probeChannels();
    this.subscribe(channels);
    const nonces = channels.map(() => randomUUID());
    const delivered = nonces.map((nonce) => new Promise<void>((resolve) => this.waiting.set(nonce, resolve)));
    try {
      const published = channels.map((channel, i) => this.pub.spublish(channel, nonces[i]));
      await withTimeout(Promise.all([...published, ...delivered]), PROBE_TIMEOUT_MS, 'pub/sub round trip');
      return indicator.up(details);
    } catch (error) {
      return indicator.down({ ...details, message: (error as Error).message });
    } finally {
      for (const nonce of nonces) this.waiting.delete(nonce);
    }
  }
}
