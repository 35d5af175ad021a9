import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { Cluster } from 'ioredis';
import type Redis from 'ioredis';
import { bullConnection, keyLayout } from './bull-connection';
import {
  CLUSTER_FAILOVER_OPTIONS,
  connectPlan,
  planRedisClient,
  reconnectBackoff,
  reconnectOnReadonly,
  type RedisClientPlan,
  splitClusterOptions,
} from './create-redis';
import { parseRedisUrl } from './redis-url';
import { watchRedis } from './watch-redis';

const plan = (url: string, extra = {}, use: 'commands' | 'subscriber' = 'commands') =>
  planRedisClient(parseRedisUrl(url), 'conn', extra, use);
const redisPlan = (p: RedisClientPlan) => {
  assert.notEqual(p.kind, 'cluster');
  return p as Extract<RedisClientPlan, { kind: 'standalone' | 'sentinel' }>;
};
const clusterPlan = (p: RedisClientPlan) => {
  assert.equal(p.kind, 'cluster');
  return p;
};

describe('planRedisClient', () => {
  it('standalone: as before, fail fast and back off', () => {
    const { kind, options } = redisPlan(plan('redis://:pw@h:6380/2'));
    assert.equal(kind, 'standalone');
    assert.deepEqual(
      { ...options, retryStrategy: undefined },
      {
        host: 'h',
        port: 6380,
        password: 'pw',
        db: 2,
        connectionName: 'conn',
        maxRetriesPerRequest: 1,
        retryStrategy: undefined,
      },
    );
    assert.equal(options.retryStrategy, reconnectBackoff);
    assert.deepEqual([1, 2, 5, 10, 100].map(reconnectBackoff), [200, 400, 1000, 2000, 2000]);
    assert.equal(redisPlan(plan('redis://h', { maxRetriesPerRequest: null })).options.maxRetriesPerRequest, null, 'extra wins');
  });

  it('sentinel: follows failovers (READONLY reconnect, no failover detector), fails fast meanwhile', () => {
    const { kind, options } = redisPlan(plan('redis+sentinel://u:pw@s1:26379,s2:26379/mymaster/1?sentinelPassword=sp'));
    assert.equal(kind, 'sentinel');
    assert.deepEqual(options.sentinels, [
      { host: 's1', port: 26379 },
      { host: 's2', port: 26379 },
    ]);
    assert.equal(options.name, 'mymaster');
    assert.equal(options.role, 'master');
    assert.equal(options.db, 1);
    assert.equal(options.username, 'u');
    assert.equal(options.password, 'pw');
    assert.equal(options.sentinelPassword, 'sp');
    assert.equal(options.failoverDetector, false, 'see planRedisClient');
    assert.equal(options.maxRetriesPerRequest, 1);
    assert.equal(options.sentinelRetryStrategy, reconnectBackoff);
    assert.equal(options.reconnectOnError, reconnectOnReadonly);
    assert.equal(reconnectOnReadonly(new Error("READONLY You can't write against a read only replica.")), 2);
    assert.equal(reconnectOnReadonly(new Error('ERR wrong number of arguments')), false);
  });

  it('cluster: failover retries, node options, and sharded subscribers for a subscriber only', () => {
    const commands = clusterPlan(plan('rediss+cluster://u:pw@n1:7000,n2:7001'));
    assert.deepEqual(commands.nodes, [
      { host: 'n1', port: 7000 },
      { host: 'n2', port: 7001 },
    ]);
    const { options } = commands;
    for (const [key, value] of Object.entries(CLUSTER_FAILOVER_OPTIONS)) assert.equal(options[key as keyof typeof options], value, key);
    assert.ok(options.maxRedirections! * options.retryDelayOnFailover! >= 15_000, 'retries outlast a default cluster-node-timeout');
    assert.equal(options.shardedSubscribers, undefined);
    assert.equal(typeof options.dnsLookup, 'function', 'TLS: nodes are reached by the names given');
    assert.deepEqual(options.redisOptions, { username: 'u', password: 'pw', tls: {}, connectionName: 'conn', maxRetriesPerRequest: 1 });

    const subscriber = clusterPlan(plan('redis+cluster://n1:7000', { enableReadyCheck: false }, 'subscriber')).options;
    assert.equal(subscriber.shardedSubscribers, true);
    assert.equal(subscriber.dnsLookup, undefined);
    assert.equal(subscriber.enableReadyCheck, undefined, "the Cluster's own ready check (CLUSTER INFO) stays");
    assert.equal(subscriber.redisOptions?.enableReadyCheck, false);
  });

  it('cluster: splits RedisOptions between the Cluster and its nodes', () => {
    const retryStrategy = () => 5;
    assert.deepEqual(
      splitClusterOptions({
        enableOfflineQueue: false,
        lazyConnect: true,
        keyPrefix: 'k:',
        retryStrategy,
        host: 'x',
        port: 1,
        db: 3,
        commandTimeout: 500,
        maxRetriesPerRequest: null,
        connectionName: 'n',
      }),
      {
        cluster: { enableOfflineQueue: false, lazyConnect: true, keyPrefix: 'k:', clusterRetryStrategy: retryStrategy },
        node: { commandTimeout: 500, maxRetriesPerRequest: null, connectionName: 'n' },
      },
    );
  });
});

describe('connectPlan', () => {
  it('a Cluster queues commands until it is first ready, then fails fast', () => {
    const p = clusterPlan(plan('redis+cluster://127.0.0.1:1', { lazyConnect: true }));
    const cluster = connectPlan(p) as Cluster;
    assert.ok(cluster instanceof Cluster);
    assert.equal(cluster.options.enableOfflineQueue, true);
    cluster.emit('ready');
    assert.equal(cluster.options.enableOfflineQueue, false);
    cluster.disconnect();
  });

  it('keeps an explicit enableOfflineQueue', () => {
    const cluster = connectPlan(
      clusterPlan(plan('redis+cluster://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: true })),
    ) as Cluster;
    cluster.emit('ready');
    assert.equal(cluster.options.enableOfflineQueue, true);
    cluster.disconnect();
  });
});

describe('bullConnection and keyLayout', () => {
  it('standalone and Sentinel: options, blocking-safe for a worker, fail-fast for a producer', () => {
    assert.deepEqual(bullConnection('redis://h:1/2'), { host: 'h', port: 1, db: 2, maxRetriesPerRequest: null });
    assert.deepEqual(bullConnection('redis://h:1', 'producer'), { host: 'h', port: 1, db: 0, enableOfflineQueue: false });
    const sentinel = bullConnection('redis+sentinel://s:26379/m') as Record<string, unknown>;
    assert.equal(sentinel.name, 'm');
    assert.equal(sentinel.failoverDetector, false);
    assert.equal(sentinel.reconnectOnError, reconnectOnReadonly);
    assert.equal(sentinel.maxRetriesPerRequest, null);
  });

  it('cluster: a lazy Cluster instance, nodes blocking-safe for a worker', () => {
    const worker = bullConnection('redis+cluster://:pw@127.0.0.1:1,127.0.0.1:2');
    assert.ok(worker instanceof Cluster);
    assert.equal(worker.status, 'wait', 'no socket until BullMQ uses it');
    assert.equal(worker.options.lazyConnect, true);
    assert.equal(worker.options.enableOfflineQueue, true);
    assert.equal(worker.options.redisOptions?.maxRetriesPerRequest, null);
    assert.equal(worker.options.redisOptions?.password, 'pw');
    assert.equal(worker.options.retryDelayOnFailover, CLUSTER_FAILOVER_OPTIONS.retryDelayOnFailover);
    const producer = bullConnection('redis+cluster://127.0.0.1:1', 'producer') as Cluster;
    assert.equal(producer.options.enableOfflineQueue, false);
    assert.equal(producer.options.redisOptions?.maxRetriesPerRequest, undefined);
    worker.disconnect();
    producer.disconnect();
  });

  it('tells which roles are on a Redis Cluster', () => {
    assert.deepEqual(keyLayout({ state: 'redis://h:1', queue: 'redis+sentinel://s:1/m' }), { clusterState: false, clusterQueue: false });
    assert.deepEqual(keyLayout({ state: 'rediss+cluster://n:1', queue: 'redis://h:1' }), { clusterState: true, clusterQueue: false });
  });
});

describe('watchRedis', () => {
  const recorder = () => {
    const lines: string[] = [];
    return { lines, logger: { log: (l: string) => lines.push(`log ${l}`), warn: (l: string) => lines.push(`warn ${l}`) } };
  };

  it('logs a connection lost once and restored once', () => {
    const { lines, logger } = recorder();
    const redis = Object.assign(new EventEmitter(), { isCluster: false }) as unknown as Redis;
    watchRedis(redis, 'commands', logger);
    redis.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    redis.emit('error', new Error('again'));
    redis.emit('ready');
    redis.emit('ready');
    assert.deepEqual(lines, ['warn redis commands connection lost (ECONNREFUSED); reconnecting', 'log redis commands connection restored']);
  });

  it('on a Cluster, also logs a failing node once until it is back, and after start-up, nodes joining and leaving', () => {
    const { lines, logger } = recorder();
    const cluster = Object.assign(new EventEmitter(), { isCluster: true, status: 'ready' }) as unknown as Cluster;
    const node = (port: number) => Object.assign(new EventEmitter(), { options: { host: '10.0.0.1', port } });
    watchRedis(cluster, 'sub', logger);
    cluster.emit('+node', node(7000)); // start-up: quiet
    cluster.emit('+node', node(7001));
    cluster.emit('ready');
    cluster.emit('node error', Object.assign(new Error('x'), { code: 'ECONNRESET' }), '10.0.0.1:7000');
    // A failover: ioredis drops and reopens connections to the failed master, which keep failing.
    for (let i = 0; i < 3; i++) {
      cluster.emit('-node', node(7000));
      cluster.emit('+node', node(7000));
      cluster.emit('node error', new Error('ECONNREFUSED'), '10.0.0.1:7000');
    }
    cluster.emit('+node', node(7003));
    cluster.emit('-node', node(7001));
    cluster.emit('error', new Error('Failed to refresh slots cache.'));
    cluster.emit('ready');
    const back = node(7000);
    cluster.emit('+node', back);
    back.emit('ready');
    back.emit('ready');
    // An error of one node's connection while the Cluster stays ready: over when a node is ready again.
    cluster.emit('error', new Error('Connection is closed.'));
    const another = node(7004);
    cluster.emit('+node', another);
    another.emit('ready');
    assert.deepEqual(lines, [
      'warn redis sub node 10.0.0.1:7000 failing (ECONNRESET)',
      'log redis sub node 10.0.0.1:7003 joined',
      'log redis sub node 10.0.0.1:7001 left',
      'warn redis sub connection lost (Failed to refresh slots cache.); reconnecting',
      'log redis sub connection restored',
      'log redis sub node 10.0.0.1:7000 back',
      'warn redis sub connection lost (Connection is closed.); reconnecting',
      'log redis sub node 10.0.0.1:7004 joined',
      'log redis sub connection restored',
    ]);
  });
});
