import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, type Pool } from 'mysql2/promise';
import { freePort, freePortRange } from '../support/ports';
import { fetchRedisPing, startTestCluster } from '../support/test-cluster';
import { eventually } from '../support/wait';
import { mariadbPid, nginxProcs, type ProcLister, type ProcRef } from './process-stats';

export type SystemName = 'ceiling' | 'ceiling-direct' | 'cluster' | 'naive';

/** The product's Redis roles, each on its own URL (REDIS_PUBSUB_URL, REDIS_QUEUE_URL, REDIS_STATE_URL). */
export type RedisRole = 'pubsub' | 'queue' | 'state';
export const REDIS_ROLES: readonly RedisRole[] = ['pubsub', 'queue', 'state'];

/** One Redis a system runs on, and the role it plays there. */
export interface RedisEndpoint {
  role: RedisRole;
  url: string;
}

/** `chat`: the contract (token, join_room); `bare`: the ceiling's minimal events (join). */
export type Protocol = 'chat' | 'bare';

export interface Target {
  system: SystemName;
  /** The origin the API and, unless `socketUrls` says otherwise, the sockets use. */
  url: string;
  /** Where the sockets connect instead of `url`, round-robin (socket i → socketUrls[i mod n]): each server's own port, for ceiling-direct. */
  socketUrls?: string[];
  protocol: Protocol;
  /** `queue`: rows appear after the ack; `direct`: before it; `none`: nothing is stored. */
  persistence: 'queue' | 'direct' | 'none';
  /** This system's database, to check that every acked message was stored (absent: not checked). */
  db?: Pool;
  /** The worker's Prometheus endpoint, `…/metrics` (persistence lag histogram). */
  workerMetricsUrl?: string;
  /** Each gateway's Prometheus endpoint on its own metrics port (SQL statements per message). */
  gatewayMetricsUrls: string[];
  /** The system's own Redis servers, one per role, for their commands and CPU per message (empty: not measured). */
  redis: RedisEndpoint[];
  /** The processes that hold client connections, for memory per connection (empty: not measured). */
  serverPids(): number[];
  procs: ProcLister;
  stop(): Promise<void>;
}

export const describeSystem: Record<SystemName, string> = {
  ceiling: 'bare Socket.IO + sharded Redis adapter (no auth, no checks, no persistence), behind nginx',
  'ceiling-direct':
    'the same bare Socket.IO servers without a load balancer: the generator spreads its sockets round-robin over their ports (WebSocket only)',
  cluster: 'the gateway cluster, PERSISTENCE_MODE=queue (message stream, worker with group commit)',
  naive: 'the gateway cluster, PERSISTENCE_MODE=direct (one MySQL transaction per message before the broadcast)',
};

/**
 * The gateways + worker as `npm start` runs them, in queue mode (`cluster`) or direct mode
 * (`naive`), on three private redis-servers, one per role (REDIS_PUBSUB_URL, REDIS_QUEUE_URL,
 * REDIS_STATE_URL), so each role's commands and CPU are measured apart. The test cluster's own
 * Redis (REDIS_URL) still runs, but no role points at it.
 */
export async function startChatCluster(system: 'cluster' | 'naive', replicas: number): Promise<Target> {
  const persistence = system === 'naive' ? 'direct' : 'queue';
  const redis = await startRedisServers(REDIS_ROLES, 'chat-bench-redis-');
  let test: Awaited<ReturnType<typeof startTestCluster>>;
  try {
    test = await startTestCluster({
      gateways: replicas,
      env: {
        PERSISTENCE_MODE: persistence,
        REDIS_PUBSUB_URL: redis.url('pubsub'),
        REDIS_QUEUE_URL: redis.url('queue'),
        REDIS_STATE_URL: redis.url('state'),
      },
    });
  } catch (error) {
    await redis.stop();
    throw error;
  }
  const { supervisor, replicas: gateways } = test.cluster;
  const dbPid = await mariadbPid(test.db);
  const gatewayPids = () => gateways.map((r) => supervisor.pid(r.name)).filter((pid): pid is number => pid !== undefined);
  return {
    system,
    url: test.url,
    protocol: 'chat',
    persistence,
    db: test.db,
    workerMetricsUrl: `${test.cluster.workerHealthUrl}/metrics`,
    gatewayMetricsUrls: test.metricsUrls,
    redis: redis.endpoints,
    serverPids: gatewayPids,
    procs: () =>
      Promise.resolve(
        compact([
          ...gateways.map((r) => ref('gateways', r.name, supervisor.pid(r.name))),
          ref('worker', 'worker', supervisor.pid('worker')),
          ...nginxProcs(supervisor.pid('nginx')),
          ...redis.procs(),
          ref('mariadb', 'mariadbd (shared)', dbPid),
        ]),
      ),
    stop: async () => {
      try {
        await test.stop();
      } finally {
        await redis.stop();
      }
    },
  };
}

interface RedisServers {
  endpoints: RedisEndpoint[];
  url(role: RedisRole): string;
  /** Every server in the `redis` group (the CPU tables' total), named by its role. */
  procs(): ProcRef[];
  /** Stops every server and removes their directories; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * One private redis-server per role, on consecutive spare loopback ports, each in its own
 * directory, with the flags the project starts its Redis with (redisArgs: AOF, noeviction).
 */
async function startRedisServers(roles: readonly RedisRole[], dirPrefix: string): Promise<RedisServers> {
  const dir = mkdtempSync(join(tmpdir(), dirPrefix));
  const servers: { role: RedisRole; port: number; child: Child }[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await Promise.all(servers.map((server) => server.child.stop()));
      rmSync(dir, { recursive: true, force: true });
    })());
  try {
    const { redisArgs, findBinary } = await import('../../../deploy/local/services.mjs');
    const binary = findBinary('redis-server') ?? 'redis-server';
    const base = await freePortRange(roles.length);
    for (const [i, role] of roles.entries()) {
      const port = base + i;
      const roleDir = join(dir, role);
      mkdirSync(roleDir);
      servers.push({ role, port, child: startChild(`redis-${role}`, binary, redisArgs(port, roleDir, false)) });
    }
    for (const server of servers) await eventually(`redis (${server.role}) to start`, () => fetchRedisPing(server.port), 10_000);
  } catch (error) {
    for (const server of servers) process.stderr.write(server.child.output());
    await stop();
    throw error;
  }
  const endpoints = servers.map((s) => ({ role: s.role, url: `redis://127.0.0.1:${s.port}` }));
  return {
    endpoints,
    url: (role) => endpoints.find((e) => e.role === role)?.url ?? '',
    procs: () => servers.map((s) => ({ group: 'redis', name: `redis-server (${s.role})`, pid: s.child.pid })),
    stop,
  };
}

/**
 * A deployment started by someone else (`--url`): only what the generator itself can see is
 * measured, and the worker's metrics when its health/metrics origin is given.
 */
export function externalTarget(url: string, databaseUrl?: string, workerOrigin?: string): Target {
  const db = databaseUrl ? createPool({ uri: databaseUrl, connectionLimit: 2, timezone: 'Z' }) : undefined;
  return {
    system: 'cluster',
    url: url.replace(/\/$/, ''),
    protocol: 'chat',
    persistence: 'queue',
    db,
    workerMetricsUrl: workerOrigin ? `${workerOrigin.replace(/\/$/, '')}/metrics` : undefined,
    gatewayMetricsUrls: [],
    redis: [],
    serverPids: () => [],
    procs: () => Promise.resolve([]),
    stop: async () => {
      await db?.end();
    },
  };
}

/**
 * The ceiling: N ceiling-server processes on a private redis-server started with the cluster's
 * flags (its only role is pub/sub), behind the same nginx configuration as the cluster (rendered by
 * renderNginxConf), or, for `ceiling-direct`, without a load balancer: the generator connects to
 * the servers' own ports, round-robin.
 */
export async function startCeiling(system: 'ceiling' | 'ceiling-direct', replicas: number): Promise<Target> {
  const direct = system === 'ceiling-direct';
  const dir = mkdtempSync(join(tmpdir(), `chat-bench-${system}-`));
  const children: Child[] = [];
  let redis: RedisServers | undefined;
  const stop = async () => {
    await Promise.all(children.reverse().map((child) => child.stop()));
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    redis = await startRedisServers(['pubsub'], `chat-bench-${system}-redis-`);

    const servers: { id: string; port: number; child: Child }[] = [];
    for (let i = 1; i <= replicas; i++) {
      const port = await freePort();
      const child = startChild(`ceiling-${i}`, process.execPath, [join(__dirname, 'ceiling-server.js')], {
        PORT: String(port),
        REDIS_URL: redis.url('pubsub'),
      });
      children.push(child);
      servers.push({ id: `ceiling-${i}`, port, child });
    }
    for (const server of servers)
      await eventually(`${server.id} to listen`, () => httpOk(`http://127.0.0.1:${server.port}/health`), 15_000);

    const serverUrls = servers.map((s) => `http://127.0.0.1:${s.port}`);
    let nginx: Child | undefined;
    let url = serverUrls[0] ?? '';
    if (!direct) {
      const httpPort = await freePort();
      nginx = await startNginx(dir, httpPort, servers);
      children.push(nginx);
      url = `http://127.0.0.1:${httpPort}`;
      await eventually('ceiling nginx', () => httpOk(`${url}/health`), 10_000);
    }
    const roleRedis = redis;
    const nginxPid = nginx?.pid;

    return {
      system,
      url,
      socketUrls: direct ? serverUrls : undefined,
      protocol: 'bare',
      persistence: 'none',
      gatewayMetricsUrls: [],
      redis: roleRedis.endpoints,
      serverPids: () => servers.map((s) => s.child.pid),
      procs: () =>
        Promise.resolve(
          compact([...servers.map((s) => ref('gateways', s.id, s.child.pid)), ...nginxProcs(nginxPid), ...roleRedis.procs()]),
        ),
      stop,
    };
  } catch (error) {
    for (const child of children) process.stderr.write(child.output());
    await stop();
    throw error;
  }
}

async function startNginx(dir: string, listen: number, servers: { id: string; port: number }[]): Promise<Child> {
  const { renderNginxConf } = await import('../../../nginx/render.mjs');
  const { findBinary } = await import('../../../deploy/local/services.mjs');
  const { prepareNginxRunDir } = await import('../../../deploy/local/cluster.mjs');
  const nginxDir = join(dir, 'nginx');
  prepareNginxRunDir(nginxDir, dir);
  const conf = join(nginxDir, 'nginx.conf');
  writeFileSync(
    conf,
    renderNginxConf({
      listen,
      runDir: nginxDir,
      replicas: servers.map((s) => ({ id: s.id, address: `127.0.0.1:${s.port}` })),
      // As for the cluster (deploy/local/cluster.mjs): the generator's thousands of sockets all come from 127.0.0.1.
      connLimitExempt: ['127.0.0.1'],
    }),
  );
  return startChild('nginx', findBinary('nginx') ?? 'nginx', ['-p', nginxDir, '-c', conf, '-g', 'daemon off;']);
}

interface Child {
  pid: number;
  stop(): Promise<void>;
  /** The last lines it printed, for a start that failed. */
  output(): string;
}

/** Every child still running: SIGKILLed if the bench exits without stopping them (an uncaught error, process.exit). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

function startChild(name: string, command: string, args: string[], env: Record<string, string> = {}): Child {
  const child: ChildProcess = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((done) =>
    child.once('exit', () => {
      running.delete(child);
      done();
    }),
  );
  // A binary that cannot be spawned emits `error` (and no `exit`); its start-up check reports it.
  child.once('error', (error) => {
    keep(Buffer.from(error.message));
    running.delete(child);
  });
  return {
    pid: child.pid ?? 0,
    output: () => lines.map((line) => `[${name}] ${line}\n`).join(''),
    async stop() {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function httpOk(url: string): Promise<boolean> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

function ref(group: string, name: string, pid: number | undefined): ProcRef | undefined {
  return pid ? { group, name, pid } : undefined;
}

function compact(refs: (ProcRef | undefined)[]): ProcRef[] {
  return refs.filter((r): r is ProcRef => r !== undefined);
}
