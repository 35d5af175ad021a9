import Redis, { Cluster, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisNode, type RedisTarget } from './redis-url';
import { type LoggerLike, watchRedis } from './watch-redis';

/** A connection from createRedis or createSubscriber: one server or Sentinel-managed master, or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

/** How a Redis connection is built, before it is: the options createRedis/createSubscriber pass to ioredis. */
export type RedisClientPlan =
  { kind: 'standalone' | 'sentinel'; options: RedisOptions } | { kind: 'cluster'; nodes: RedisNode[]; options: ClusterOptions };

/** What the connection is for: createSubscriber's connections only (S)SUBSCRIBE. */
export type RedisClientUse = 'commands' | 'subscriber';

/** Reconnect back-off: 200 ms, 400 ms, … capped at 2 s. */
export const reconnectBackoff = (attempt: number): number => Math.min(attempt * 200, 2_000);

/**
 * A Sentinel-managed master that was demoted answers writes with READONLY until ioredis hears of
 * the failover: reconnect (the sentinels name the new master; ioredis's ready check refuses a
 * replica) and resend the command, which the replica did not run.
 */
export const reconnectOnReadonly = (error: Error): 2 | false => (error.message.startsWith('READONLY') ? 2 : false);

/**
 * Redis Cluster settings that ride out a failover or a resharding instead of failing the caller:
 * MOVED/ASK are followed, TRYAGAIN (a multi-key command during a slot migration), CLUSTERDOWN
 * (no master for a slot yet) and a closed connection to a failed master are retried after a pause
 * with a fresh slot map. `maxRedirections` bounds the retries of one command: at these delays,
 * about 15 s, the default cluster-node-timeout a replica waits before it takes over.
 */
export const CLUSTER_FAILOVER_OPTIONS = {
  maxRedirections: 64,
  retryDelayOnFailover: 300,
  retryDelayOnClusterDown: 300,
  retryDelayOnTryAgain: 100,
  // A small pause before following MOVED, so a map still settling after a failover does not ping-pong.
  retryDelayOnMoved: 50,
  clusterRetryStrategy: (attempt: number) => reconnectBackoff(attempt),
} satisfies ClusterOptions;

/** RedisOptions that belong to the Cluster itself, not to its per-node connections. */
const CLUSTER_LEVEL_KEYS = [
  'enableOfflineQueue',
  'lazyConnect',
  'enableAutoPipelining',
  'autoPipeliningIgnoredCommands',
  'scripts',
  'keyPrefix',
  'showFriendlyErrorStack',
] as const;
/** RedisOptions that make no sense for a Cluster's nodes (ioredis sets them per node). */
const NODE_ADDRESS_KEYS = ['host', 'port', 'path', 'sentinels', 'name', 'role', 'readOnly', 'db', 'retryStrategy'] as const;

/**
 * Splits RedisOptions into Cluster-level options and the nodes' redisOptions. A `retryStrategy`
 * becomes the Cluster's reconnect strategy (its nodes never reconnect on their own: they wait for
 * a fresh slot map).
 */
export function splitClusterOptions(extra: RedisOptions): { cluster: ClusterOptions; node: RedisOptions } {
  const cluster: Record<string, unknown> = {};
  const node: Record<string, unknown> = { ...extra };
  for (const key of CLUSTER_LEVEL_KEYS) {
    if (key in extra) cluster[key] = extra[key];
    delete node[key];
  }
  if (extra.retryStrategy !== undefined) cluster.clusterRetryStrategy = extra.retryStrategy;
  for (const key of NODE_ADDRESS_KEYS) delete node[key];
  return { cluster, node };
}

/**
 * The ioredis options for a connection to `target`, without connecting (so the choices are
 * testable without a Sentinel or a Cluster).
 *
 * Standalone, as before: commands fail fast while Redis is away (`maxRetriesPerRequest: 1`:
 * callers turn the failure into UNAVAILABLE) and reconnects back off.
 * Sentinel: the same, plus READONLY handling (reconnectOnReadonly); each reconnect asks the
 * sentinels for the current master. ioredis's failover detector stays off (see below).
 * Cluster: the failover retries of CLUSTER_FAILOVER_OPTIONS; a subscriber gets ioredis's sharded
 * subscribers (one SSUBSCRIBE connection per master, each channel on its slot's master), without
 * which SSUBSCRIBE lands on a random node and gets MOVED.
 */
export function planRedisClient(
  target: RedisTarget,
  connectionName: string,
  extra: RedisOptions = {},
  use: RedisClientUse = 'commands',
): RedisClientPlan {
  const failFast: RedisOptions = { maxRetriesPerRequest: 1, retryStrategy: reconnectBackoff };
  switch (target.kind) {
    case 'standalone':
      return { kind: 'standalone', options: { ...target.options, connectionName, ...failFast, ...extra } };
    case 'sentinel':
      return {
        kind: 'sentinel',
        options: {
          ...target.options,
          connectionName,
          ...failFast,
          // Not ioredis's failover detector: its disconnect can land while a reconnect is asking the
          // sentinels for the master, and SentinelConnector.connect then rejects with "Connection is
          // closed", which ends the connection for good (seen in the Sentinel fault suite, about one
          // run in four). A killed master drops the connection anyway, and a demoted one answers
          // writes with READONLY, which reconnects (reconnectOnReadonly). Revisit if ioredis makes
          // that disconnect safe during a reconnect.
          failoverDetector: false,
          sentinelRetryStrategy: reconnectBackoff,
          reconnectOnError: reconnectOnReadonly,
          ...extra,
        },
      };
    case 'cluster': {
      const { cluster, node } = splitClusterOptions(extra);
      return {
        kind: 'cluster',
        nodes: target.nodes,
        options: {
          ...CLUSTER_FAILOVER_OPTIONS,
          ...(use === 'subscriber' ? { shardedSubscribers: true } : {}),
          // With TLS, connect to the nodes by the names given, so certificates match (ioredis's advice for TLS clusters).
          ...(target.redisOptions.tls
            ? { dnsLookup: (address: string, callback: (e: null, a: string) => void) => callback(null, address) }
            : {}),
          ...cluster,
          redisOptions: { ...target.redisOptions, connectionName, maxRetriesPerRequest: 1, ...node },
        },
      };
    }
  }
}

/** Connects as planned (planRedisClient). */
export function connectPlan(plan: RedisClientPlan): RedisClient {
  if (plan.kind !== 'cluster') return new Redis(plan.options);
  const cluster = new Cluster(plan.nodes, plan.options);
  if (plan.options.enableOfflineQueue === undefined) {
    // Commands queue until the cluster is first ready (start-up needs no waiting), then fail fast
    // while the whole cluster is unreachable, as a standalone connection's do; a failover of one
    // master still gets the retries above (the cluster stays ready).
    cluster.once('ready', () => {
      cluster.options.enableOfflineQueue = false;
    });
  }
  return cluster;
}

/**
 * A Redis connection for request paths, to a `redis://`/`rediss://` server, a
 * `redis+sentinel://` master or a `redis+cluster://` cluster (parseRedisUrl): commands fail fast
 * while Redis is away instead of queueing for minutes (callers turn the failure into
 * UNAVAILABLE), reconnects back off, and Sentinel and Cluster failovers are followed (planRedisClient).
 * `extra` overrides the options; on a Cluster, it goes to the nodes except for the Cluster-level
 * ones (splitClusterOptions).
 */
export function createRedis(url: string, connectionName: string, logger: LoggerLike, extra: RedisOptions = {}): RedisClient {
  return watchRedis(connectPlan(planRedisClient(parseRedisUrl(url), connectionName, extra)), connectionName, logger);
}
