export { createRedis } from './create-redis';
export { createSubscriber } from './create-subscriber';
export { redisOptionsFromUrl } from './redis-options';
export { watchRedis } from './watch-redis';
