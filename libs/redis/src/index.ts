export { createRedis } from './create-redis';
export { redisOptionsFromUrl } from './redis-options';
export { watchRedis } from './watch-redis';
