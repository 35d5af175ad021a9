import { Inject, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '@chat/config';
import { redisKeys } from '@chat/contracts';
import { createRedis, createSubscriber, keyLayout, type RedisClient, refuseEvictingQueue } from '@chat/redis';
import { APP_CONFIG } from '@chat/config';
import { withScripts } from './redis-scripts';

/** The state role (REDIS_STATE_URL): commands and the Lua scripts (seqs, read cache, sessions, limits, presence). */
export const REDIS = Symbol('REDIS');
/** The queue role (REDIS_QUEUE_URL): the message stream. */
export const REDIS_QUEUE = Symbol('REDIS_QUEUE');
export type RedisQueue = RedisClient;
/**
 * The pub/sub role (REDIS_PUBSUB_URL): the Socket.IO adapter's publisher and subscriber; the
 * readiness probe and the change channels ride on the same pair. The subscriber only subscribes
 * (createSubscriber).
 */
export const REDIS_PUB = Symbol('REDIS_PUB');
export const REDIS_SUB = Symbol('REDIS_SUB');
export const REDIS_KEYS = Symbol('REDIS_KEYS');

const logger = new Logger('Redis');
const connect =
  (role: 'state' | 'queue' | 'pubsub', name: string, create = createRedis) =>
  (config: AppConfig) =>
    create(config.redis[role], `${config.gateway.replicaId}:${name}`, logger);

/** The gateway's Redis connections; one instance for the app (RepositoriesModule exports it). */
@Module({
  providers: [
    // No auto-pipelining: a send's commands follow one another (each needs the last one's
    // answer), so a turn rarely holds two, and building a pipeline per turn cost more CPU than it
    // saved (docs/BENCHMARKS.md).
    { provide: REDIS, inject: [APP_CONFIG], useFactory: (c: AppConfig) => withScripts(connect('state', 'commands')(c)) },
    { provide: REDIS_QUEUE, inject: [APP_CONFIG], useFactory: connect('queue', 'queue') },
    { provide: REDIS_PUB, inject: [APP_CONFIG], useFactory: connect('pubsub', 'pub') },
    { provide: REDIS_SUB, inject: [APP_CONFIG], useFactory: connect('pubsub', 'sub', createSubscriber) },
    { provide: REDIS_KEYS, inject: [APP_CONFIG], useFactory: (c: AppConfig) => redisKeys(c.redis.prefix, keyLayout(c.redis)) },
  ],
  exports: [REDIS, REDIS_QUEUE, REDIS_PUB, REDIS_SUB, REDIS_KEYS],
})
export class RedisModule implements OnModuleInit, OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(REDIS_QUEUE) private readonly queue: RedisQueue,
    @Inject(REDIS_PUB) private readonly pub: RedisClient,
    @Inject(REDIS_SUB) private readonly sub: RedisClient,
  ) {}

  /** An evicting queue server could drop accepted messages: the gateway does not start on one. */
  async onModuleInit(): Promise<void> {
    await refuseEvictingQueue(this.queue, logger);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.redis.quit(), this.queue.quit(), this.pub.quit(), this.sub.quit()]);
  }
}
