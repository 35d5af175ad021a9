import { Logger, type Provider } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { redisKeys } from '@chat/contracts';
import { createRedis, keyLayout, type RedisClient } from '@chat/redis';

/** The state role (REDIS_STATE_URL): the read cache the worker clears behind its writes. */
export const WORKER_REDIS = Symbol('WORKER_REDIS');
/** The queue role (REDIS_QUEUE_URL): the message stream's blocking reads, on a connection of their own. BullMQ keeps its own. */
export const WORKER_STREAM_REDIS = Symbol('WORKER_STREAM_REDIS');
export const WORKER_REDIS_KEYS = Symbol('WORKER_REDIS_KEYS');
export type WorkerRedis = RedisClient;

const logger = new Logger('Redis');

export const redisProviders: Provider[] = [
  {
    provide: WORKER_REDIS,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => createRedis(config.redis.state, 'worker:commands', logger),
  },
  {
    provide: WORKER_STREAM_REDIS,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => createRedis(config.redis.queue, 'worker:stream', logger),
  },
  {
    provide: WORKER_REDIS_KEYS,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => redisKeys(config.redis.prefix, keyLayout(config.redis)),
  },
];
