import { Logger, type Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { redisKeys } from '@chat/contracts';
import { createRedis } from '@chat/redis';

/** A plain command connection (BullMQ keeps its own). */
export const WORKER_REDIS = Symbol('WORKER_REDIS');
export const WORKER_REDIS_KEYS = Symbol('WORKER_REDIS_KEYS');

export const redisProviders: Provider[] = [
  {
    provide: WORKER_REDIS,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => createRedis(config.redis.url, 'worker:commands', new Logger('Redis')),
  },
  { provide: WORKER_REDIS_KEYS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => redisKeys(config.redis.prefix) },
];
