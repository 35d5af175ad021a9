import type { RedisOptions } from 'ioredis';
import { parseRedisUrl } from './redis-url';

/**
 * ioredis connection options from a `redis://`/`rediss://` or `redis+sentinel://` URL
 * (parseRedisUrl), for `new Redis(options)`. A `redis+cluster://` URL has no such options (a
 * Cluster takes seed nodes and per-node options): use createRedis or bullConnection for it.
 */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const target = parseRedisUrl(url);
  if (target.kind === 'cluster') {
    throw new Error('a redis+cluster:// URL gives seed nodes, not the options of one connection: use createRedis or bullConnection');
  }
  return target.options;
}
