import { Cluster, type RedisOptions } from 'ioredis';
import { CLUSTER_FAILOVER_OPTIONS, reconnectOnReadonly } from './create-redis';
import { parseRedisUrl } from './redis-url';

/**
 * What a BullMQ class does with its connection: a `producer` (a Queue adding jobs from a request
 * path) fails fast while Redis is away; a `worker` (Worker, QueueEvents: blocking commands) waits
 * for Redis to come back, as BullMQ requires (`maxRetriesPerRequest: null`).
 */
export type BullRole = 'producer' | 'worker';

/**
 * BullMQ's `connection` option for a Redis URL (parseRedisUrl):
 * - standalone or Sentinel: plain ioredis options, from which BullMQ makes its own connections
 *   (a Sentinel one follows failovers: reconnect on READONLY; see createRedis on the failover detector);
 * - Cluster: a `Cluster` instance, since BullMQ builds a standalone connection from options. It is
 *   lazy (no socket until BullMQ uses it; a Worker only duplicates it) and the caller owns it:
 *   BullMQ leaves a client it was given open, so quit() it at shutdown. Queue names must share a
 *   hash slot there: see RedisKeys.bullPrefix.
 */
export function bullConnection(url: string, role: BullRole = 'worker'): RedisOptions | Cluster {
  const target = parseRedisUrl(url);
  const forRole: RedisOptions = role === 'worker' ? { maxRetriesPerRequest: null } : { enableOfflineQueue: false };
  switch (target.kind) {
    case 'standalone':
      return { ...target.options, ...forRole };
    case 'sentinel':
      return { ...target.options, failoverDetector: false, reconnectOnError: reconnectOnReadonly, ...forRole };
    case 'cluster':
      return new Cluster(target.nodes, {
        ...CLUSTER_FAILOVER_OPTIONS,
        lazyConnect: true,
        enableOfflineQueue: role === 'worker',
        ...(target.redisOptions.tls
          ? { dnsLookup: (address: string, callback: (e: null, a: string) => void) => callback(null, address) }
          : {}),
        // BullMQ refuses a blocking connection whose nodes retry a bounded number of times.
        redisOptions: { ...target.redisOptions, ...(role === 'worker' ? { maxRetriesPerRequest: null } : {}) },
      });
  }
}

/** Which roles are on a Redis Cluster, for redisKeys' layout (hash tags where keys must share a slot). */
export function keyLayout(redis: { state: string; queue: string }): { clusterState: boolean; clusterQueue: boolean } {
  return { clusterState: parseRedisUrl(redis.state).kind === 'cluster', clusterQueue: parseRedisUrl(redis.queue).kind === 'cluster' };
}
