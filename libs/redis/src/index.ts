export { assertNoEviction, refuseEvictingQueue } from './assert-no-eviction';
export { bullConnection, bullPrefix, type BullRole } from './bull-connection';
export {
  CLUSTER_FAILOVER_OPTIONS,
  connectPlan,
  createRedis,
  planRedisClient,
  reconnectBackoff,
  reconnectOnReadonly,
  type RedisClient,
  type RedisClientPlan,
  type RedisClientUse,
  singleNode,
  splitClusterOptions,
} from './create-redis';
export { createSubscriber } from './create-subscriber';
export { redisOptionsFromUrl } from './redis-options';
export { describeRedisUrl, parseRedisUrl, type RedisNode, RedisUrlError, type RedisTarget, type RedisTargetKind } from './redis-url';
export { type LoggerLike, watchRedis } from './watch-redis';
