import { Logger, type Provider } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { redisKeys } from '@chat/contracts';
import { createRedis, singleNode } from '@chat/redis';

/** The state role (REDIS_STATE_URL): the read cache the worker clears behind its writes. */
export const WORKER_REDIS = Symbol('WORKER_REDIS');
/** The queue role (REDIS_QUEUE_URL): the message stream's blocking reads, on a connection of their own. BullMQ keeps its own. */
export const WORKER_STREAM_REDIS = Symbol('WORKER_STREAM_REDIS');
export const WORKER_REDIS_KEYS = Symbol('WORKER_REDIS_KEYS');
export type WorkerRedis = Redis;

const logger = new Logger('Redis');

export const redisProviders: Provider[] = [
  {
    provide: WORKER_REDIS,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => singleNode(createRedis(config.redis.state, 'worker:commands', logger), 'state'),
  },
  {
    provide: WORKER_STREAM_REDIS,
    inject: [APP_CONFIG],
    useFactory: (config: AppConfig) => singleNode(createRedis(config.redis.queue, 'worker:stream', logger), 'queue'),
  },
  { provide: WORKER_REDIS_KEYS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => redisKeys(config.redis.prefix) },
];
