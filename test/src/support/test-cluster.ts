import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Redis from 'ioredis';
import { createPool, type Pool } from 'mysql2/promise';
import type { ClusterHandle } from '../../../deploy/local/cluster.mjs';
import { type RedisKeys, redisKeys } from '@chat/contracts';
import { createRedis, keyLayout, type RedisClient } from '@chat/redis';
import { freePort, freePortRange } from './ports';
import { startRedisCluster } from './redis-topology';
import { eventually } from './wait';

export const repoRoot = resolve(__dirname, '../../..');
const sharedMysql = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

export interface TestCluster {
  url: string;
  cluster: ClusterHandle;
  /** Each gateway process's Prometheus endpoint, on its own metrics port (the public origin serves none). */
  metricsUrls: string[];
  /** A pool on this run's own database. */
  db: Pool;
  redisUrl: string;
  prefix: string;
  /** This run's Redis keys, in the layout its topology uses (hash tags on a Redis Cluster). */
  keys: RedisKeys;
  /** A new client to this run's Redis, whatever its topology (the caller closes it). */
  redis(): RedisClient;
  /** Stops this run's private Redis (to fake an outage) and starts it again on the same port, data kept (AOF). */
  stopRedis(): Promise<void>;
  startRedis(): Promise<void>;
  /** Where the local storage driver keeps this run's attachments (STORAGE_DIR). */
  storageDir: string;
  /** Every line the processes have written so far, each after its process's name: `[gateway-1] {…}`. */
  logs: readonly string[];
  stop(): Promise<void>;
}

/** nginx in front of the replicas (production's shape), or node:cluster with @socket.io/sticky on one host. */
export type ClusterMode = 'nginx' | 'sticky';

export interface TestClusterOptions {
  gateways?: number;
  mode?: ClusterMode;
  /**
   * Extra environment for every app process (rate limits for a load test, SHUTDOWN_GRACE_MS, …);
   * wins over the defaults, so a suite that tests a limit sets its real value here.
   */
  env?: Record<string, string>;
  /** A MySQL server (`mysql://user@host:port`, no database) to create this run's database on instead of the shared one. */
  mysqlUrl?: string;
  /**
   * A Redis (any REDIS_URL form: a Sentinel set, say) for every role instead of a private
   * redis-server; the caller starts and stops it. stopRedis/startRedis are then refused. Without
   * it, TEST_REDIS=cluster runs the cluster on a private Redis Cluster (3 masters, 3 replicas).
   */
  redisUrl?: string;
  /**
   * MySQL servers replicating from `mysqlUrl` (`mysql://user@host:port`, no database): the apps get
   * them, with this run's database appended, as DATABASE_READ_URLS.
   */
  mysqlReadUrls?: string[];
  /** nginx worker processes (default: one per core). Each holds at most ~half its open-files limit of proxied WebSockets. */
  nginxWorkers?: number;
}

/**
 * The real cluster, as `npm start` runs it, on ports nobody else uses: its own database on the
 * shared MariaDB, its own redis-server (so stopping it disturbs nobody), its own key prefix.
 * Everything is removed by stop().
 */
export async function startTestCluster(options: TestClusterOptions = {}): Promise<TestCluster> {
  const { startCluster } = await import('../../../deploy/local/cluster.mjs');
  const { prepareDatabase, dropDatabase, redisArgs, findBinary } = await import('../../../deploy/local/services.mjs');
  const id = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  const dir = mkdtempSync(join(tmpdir(), `chat-test-${id}-`));
  const database = `chat_test_${id}`;
  const databaseUrl = `${options.mysqlUrl ?? sharedMysql}/${database}`;
  const readUrls = options.mysqlReadUrls?.map((url) => `${url}/${database}`);
  const prefix = `test:${id}:`;

  const redisPort = await freePort();
  const redisCluster = !options.redisUrl && process.env.TEST_REDIS === 'cluster' ? await startRedisCluster() : undefined;
  const external = options.redisUrl ?? redisCluster?.url;
  const redisUrl = external ?? `redis://127.0.0.1:${redisPort}`;
  const redisBinary = findBinary('redis-server') ?? 'redis-server';
  let redis: ChildProcess | undefined;
  const startRedis = async () => {
    if (external) throw new Error('this cluster runs on a Redis its suite started');
    redis = spawn(redisBinary, redisArgs(redisPort, dir, false), { stdio: 'ignore' });
    await eventually('redis to start', async () => (await fetchRedisPing(redisPort)) === true, 10_000);
  };
  const stopRedis = async () => {
    if (external) throw new Error('this cluster runs on a Redis its suite started');
    await stopOwnRedis();
  };
  const stopOwnRedis = async () => {
    const child = redis;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise((done) => {
      child.once('exit', done);
      child.kill('SIGKILL');
    });
  };
  if (!external) await startRedis();
  // The demo accounts too: suites log in as them (test1 is the non-member of several tables).
  await prepareDatabase(databaseUrl, [join(repoRoot, 'init.sql'), join(repoRoot, 'demo-seed.sql')]);

  const lines: string[] = [];
  const gateways = options.gateways ?? 2;
  // One range for the public and the metrics ports, so the two cannot overlap.
  const basePort = await freePortRange(2 * gateways);
  const cluster = await startCluster({
    root: repoRoot,
    runDir: dir,
    mode: options.mode ?? 'nginx',
    gateways,
    gatewayBasePort: basePort,
    httpPort: await freePort(),
    metricsBasePort: basePort + gateways,
    workerHealthPort: await freePort(),
    nginxWorkers: options.nginxWorkers,
    env: {
      DATABASE_URL: databaseUrl,
      ...(readUrls ? { DATABASE_READ_URLS: readUrls.join(',') } : {}),
      REDIS_URL: redisUrl,
      REDIS_PREFIX: prefix,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      NODE_ENV: 'test',
      BCRYPT_ROUNDS: '4',
      JWT_SECRET: randomBytes(48).toString('base64url'),
      STORAGE_DIR: join(dir, 'attachments'),
      ...functionalLimits,
      ...options.env,
    },
    log: (line) => {
      lines.push(line);
      if (process.env.TEST_LOGS) process.stderr.write(`${line}\n`);
    },
  });
  try {
    await cluster.waitReady(60_000);
  } catch (error) {
    // Leave nothing running (a crash-looping replica would keep the test process alive).
    process.stderr.write(`${lines.slice(-60).join('\n')}\n`);
    await cluster.stop();
    await stopOwnRedis();
    await redisCluster?.stop();
    await dropDatabase(databaseUrl);
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const db = createPool({ uri: databaseUrl, connectionLimit: 4, timezone: 'Z', supportBigNumbers: true });

  return {
    url: cluster.url,
    cluster,
    metricsUrls: cluster.metricsUrls,
    db,
    redisUrl,
    prefix,
    keys: redisKeys(prefix, keyLayout({ state: redisUrl, queue: redisUrl })),
    redis: () => createRedis(redisUrl, `test-${id}`, { log: () => undefined, warn: () => undefined }),
    stopRedis,
    startRedis,
    storageDir: options.env?.STORAGE_DIR ?? join(dir, 'attachments'),
    logs: lines,
    async stop() {
      await cluster.stop();
      await db.end();
      await stopOwnRedis();
      await redisCluster?.stop();
      await dropDatabase(databaseUrl);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The functional suites register hundreds of users, create rooms and open sockets from one
 * address in seconds: far past the per-IP and per-user limits a real deployment sets. A suite
 * that tests a limit passes the real value in `env`.
 */
const functionalLimits: Record<string, string> = {
  RATE_LIMIT_REGISTER_PER_MINUTE: '100000',
  RATE_LIMIT_GUEST_PER_MINUTE: '100000',
  RATE_LIMIT_ROOM_ACTIONS_PER_MINUTE: '100000',
  RATE_LIMIT_EVENTS_PER_SECOND: '100000',
  MAX_SOCKETS_PER_USER: '1000',
  CONNECT_RATE_PER_SECOND: '100000',
  CONNECT_BURST: '100000',
  ATTACHMENT_UPLOADS_PER_MINUTE: '100000',
};

/** Whether a redis-server answers PING on this local port (false while it is starting or down). */
export async function fetchRedisPing(port: number): Promise<boolean> {
  const client = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined); // a refused probe is the expected answer until Redis is up
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}
