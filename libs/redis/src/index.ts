export { assertNoEviction, refuseEvictingQueue } from './assert-no-eviction';
export { bullConnection, type BullRole, keyLayout } from './bull-connection';
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
  splitClusterOptions,
} from './create-redis';
export { createSubscriber } from './create-subscriber';
export { redisOptionsFromUrl } from './redis-options';
export { describeRedisUrl, parseRedisUrl, type RedisNode, RedisUrlError, type RedisTarget, type RedisTargetKind } from './redis-url';
export { type LoggerLike, watchRedis } from './watch-redis';
export { bySlot, execOnSlot, keySlot, mgetAcrossSlots } from './slots';
