export { refuseEvictingQueue } from './assert-no-eviction';
export { bullConnection, keyLayout } from './bull-connection';
export { createRedis, type RedisClient } from './create-redis';
export { createSubscriber } from './create-subscriber';
export { describeRedisUrl, parseRedisUrl, RedisUrlError } from './redis-url';
export { bySlot, keySlot, mgetAcrossSlots, writeConfirmed } from './slots';
