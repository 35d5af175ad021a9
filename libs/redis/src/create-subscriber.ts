import type { RedisOptions } from 'ioredis';
import { connectPlan, planRedisClient, type RedisClient } from './create-redis';
import { parseRedisUrl } from './redis-url';
import { type LoggerLike, watchRedis } from './watch-redis';

/**
 * A connection for (S)SUBSCRIBE only: the Socket.IO adapter's subscriber, the change channels,
 * the readiness probe. Any URL createRedis takes; on a Redis Cluster it gets ioredis's sharded
 * subscribers, one connection per master (planRedisClient).
 *
 * It skips ioredis's ready check. ioredis 5 writes a subscribe issued during the handshake at once,
 * then sends the ready check's INFO, which it refuses itself once the subscribe's reply has put the
 * connection in subscriber mode; it reconnects, and restores only the subscriptions of a
 * connection that had been ready, so these are lost (redis/ioredis#2037). Every subscriber here
 * subscribes during start-up, whenever it gets to it, and the adapter again on every new room, so
 * any of them can land in a handshake (at start-up on Node 24, every time). The check only waits
 * out a server still loading its data set, which SUBSCRIBE does not need to wait for. (On a
 * Cluster, the check that stays is the Cluster's own CLUSTER INFO on a command connection; its
 * sharded subscribers skip theirs already.)
 */
export function createSubscriber(url: string, connectionName: string, logger: LoggerLike, extra: RedisOptions = {}): RedisClient {
  const plan = planRedisClient(parseRedisUrl(url), connectionName, { ...extra, enableReadyCheck: false }, 'subscriber');
  return watchRedis(connectPlan(plan), connectionName, logger);
}
