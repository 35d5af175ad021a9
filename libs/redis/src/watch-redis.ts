import type { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import { Counter, Gauge } from 'prom-client';

/** What the connection helpers log through (a Nest Logger, say). */
export interface LoggerLike {
  log(message: string): void;
  warn(message: string): void;
}

type ErrorWithCode = Error & { code?: string };

// Labelled by the connection's role (`commands`, `queue`, `pub`, `sub`, `stream`…: its name after
// the replica's), a set the code fixes, so a fleet of replicas does not multiply the label values.
const errors = new Counter({
  name: 'chat_redis_errors_total',
  help: 'Errors on a Redis connection (each failed connect or reconnect attempt, each node error of a Cluster), by connection role',
  labelNames: ['connection'] as const,
});
const reconnects = new Counter({
  name: 'chat_redis_reconnects_total',
  help: 'Reconnect attempts of a Redis connection, by connection role',
  labelNames: ['connection'] as const,
});
const up = new Gauge({
  name: 'chat_redis_connection_up',
  help: 'Whether a Redis connection is ready (1) or lost and reconnecting (0), by connection role',
  labelNames: ['connection'] as const,
});

/** `gateway-1:pub` → `pub`: the role, not the process. */
export function connectionRole(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1);
}

/**
 * Logs a Redis connection's state changes once each (not every reconnect attempt), and keeps
 * ioredis from printing unhandled 'error' events with stack traces.
 *
 * A Cluster is watched as a whole ('error', 'ready') and node by node: a failing node ('node
 * error') is logged once until a connection to it is ready again, and after start-up, new nodes
 * and healthy nodes leaving ('+node', '-node': a failover, a resharding) are logged too.
 */
export function watchRedis<T extends Redis | Cluster>(redis: T, name: string, logger: LoggerLike): T {
  const connection = connectionRole(name);
  let healthy = true;
  redis.on('reconnecting', () => reconnects.inc({ connection }));
  redis.on('error', (error: ErrorWithCode) => {
    errors.inc({ connection });
    if (!healthy) return;
    healthy = false;
    up.set({ connection }, 0);
    logger.warn(`redis ${name} connection lost (${error.code ?? error.message}); reconnecting`);
  });
  const restored = () => {
    up.set({ connection }, 1);
    if (healthy) return;
    healthy = true;
    logger.log(`redis ${name} connection restored`);
  };
  redis.on('ready', restored);
  // After quit() or disconnect(), or when ioredis gave up: the connection is dead for good.
  redis.on('end', () => logger.log(`redis ${name} connection closed for good`));
  if (redis.isCluster) {
    const cluster = redis as Cluster;
    // A Cluster's 'error' may be one node's (its sharded subscriber's, say) while the Cluster
    // stays ready: a node connection that is ready again then ends the outage too.
    watchClusterNodes(cluster, name, logger, () => cluster.status === 'ready' && restored());
  }
  return redis;
}

function watchClusterNodes(cluster: Cluster, name: string, logger: LoggerLike, onNodeReady: () => void): void {
  // During a failover ioredis opens and drops connections to the failed master again and again
  // (each MOVED to it, each retry): a node is announced the first time only, a failing one once
  // until a connection to it is ready again, and a failing node's leaving is no news.
  const seen = new Set<string>();
  const failing = new Set<string>();
  let started = false;
  cluster.once('ready', () => (started = true));
  const address = (node: Redis) => `${node.options.host}:${node.options.port}`;
  cluster.on('node error', (error: ErrorWithCode, key: string) => {
    errors.inc({ connection: connectionRole(name) });
    if (failing.has(key)) return;
    failing.add(key);
    logger.warn(`redis ${name} node ${key} failing (${error.code ?? error.message})`);
  });
  cluster.on('+node', (node: Redis) => {
    const key = address(node);
    if (!seen.has(key)) {
      seen.add(key);
      if (started) logger.log(`redis ${name} node ${key} joined`);
    }
    node.once('ready', () => {
      if (failing.delete(key)) logger.log(`redis ${name} node ${key} back`);
      onNodeReady();
    });
  });
  // No 'end' line: the Cluster's reconnects never give up (clusterRetryStrategy), so it ends on quit() only.
  cluster.on('-node', (node: Redis) => {
    const key = address(node);
    // Not while quitting (every node leaves then).
    if (started && cluster.status === 'ready' && !failing.has(key)) logger.log(`redis ${name} node ${key} left`);
  });
}
