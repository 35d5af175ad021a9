import Redis, { type RedisOptions } from 'ioredis';
import { redisOptionsFromUrl } from './redis-options';
import { type LoggerLike, watchRedis } from './watch-redis';

/**
 * A Redis connection for request paths: commands fail fast while Redis is away instead of
 * queueing for minutes (callers turn the failure into UNAVAILABLE), and reconnects back off.
 */
export function createRedis(url: string, connectionName: string, logger: LoggerLike, extra: RedisOptions = {}): Redis {
  const redis = new Redis({
    ...redisOptionsFromUrl(url),
    connectionName,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...extra,
  });
  return watchRedis(redis, connectionName, logger);
}
