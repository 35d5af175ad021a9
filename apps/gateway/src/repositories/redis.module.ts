import { Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import type { AppConfig } from '@chat/config';
import { redisKeys } from '@chat/contracts';
import { createRedis, createSubscriber } from '@chat/redis';
import { APP_CONFIG } from '@chat/config';
import { withScripts } from './redis-scripts';

/** Commands and the Lua scripts (sequences, sessions, presence, probes): a ScriptedRedis. */
export const REDIS = Symbol('REDIS');
/**
 * The Socket.IO adapter's publisher and subscriber; the readiness probe and the change channels ride on
 * the same pair. The subscriber only subscribes (createSubscriber).
 */
export const REDIS_PUB = Symbol('REDIS_PUB');
export const REDIS_SUB = Symbol('REDIS_SUB');
export const REDIS_KEYS = Symbol('REDIS_KEYS');

const logger = new Logger('Redis');
const connect =
  (name: string, create = createRedis) =>
  (config: AppConfig) =>
    create(config.redis.url, `${config.gateway.replicaId}:${name}`, logger);

/** The gateway's Redis connections; one instance for the app (RepositoriesModule exports it). */
@Module({
  providers: [
    // No auto-pipelining: a send's commands follow one another (each needs the last one's
    // answer), so a turn rarely holds two, and building a pipeline per turn cost more CPU than it
    // saved (docs/BENCHMARKS.md).
    { provide: REDIS, inject: [APP_CONFIG], useFactory: (c: AppConfig) => withScripts(connect('commands')(c)) },
    { provide: REDIS_PUB, inject: [APP_CONFIG], useFactory: connect('pub') },
    { provide: REDIS_SUB, inject: [APP_CONFIG], useFactory: connect('sub', createSubscriber) },
    { provide: REDIS_KEYS, inject: [APP_CONFIG], useFactory: (c: AppConfig) => redisKeys(c.redis.prefix) },
  ],
  exports: [REDIS, REDIS_PUB, REDIS_SUB, REDIS_KEYS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_PUB) private readonly pub: Redis,
    @Inject(REDIS_SUB) private readonly sub: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.redis.quit(), this.pub.quit(), this.sub.quit()]);
  }
}
