import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPool, type Pool } from 'mysql2/promise';
import { freePort } from '../support/ports';
import { fetchRedisPing, startTestCluster } from '../support/test-cluster';
import { eventually } from '../support/wait';
import { redisInfoNumber } from './metrics';
import { mariadbPid, nginxProcs, type ProcLister, type ProcRef } from './process-stats';

export type SystemName = 'ceiling' | 'cluster' | 'naive';

/** `chat`: the contract (token, join_room); `bare`: the ceiling's minimal events (join). */
export type Protocol = 'chat' | 'bare';

export interface Target {
  system: SystemName;
  url: string;
  protocol: Protocol;
  /** `queue`: rows appear after the ack; `direct`: before it; `none`: nothing is stored. */
  persistence: 'queue' | 'direct' | 'none';
  /** This system's database, to check that every acked message was stored (absent: not checked). */
  db?: Pool;
  /** The worker's Prometheus endpoint, `…/metrics` (persistence lag histogram). */
  workerMetricsUrl?: string;
  /** Each gateway's Prometheus endpoint on its own metrics port (SQL statements per message). */
  gatewayMetricsUrls: string[];
  /** The system's own Redis, for its command count (Redis commands per message). */
  redisUrl?: string;
  /** The processes that hold client connections, for memory per connection (empty: not measured). */
  serverPids(): number[];
  procs: ProcLister;
  stop(): Promise<void>;
}

export const describeSystem: Record<SystemName, string> = {
  ceiling: 'bare Socket.IO + sharded Redis adapter (no auth, no checks, no persistence)',
  cluster: 'the gateway cluster, PERSISTENCE_MODE=queue (BullMQ worker, group commit)',
  naive: 'the gateway cluster, PERSISTENCE_MODE=direct (one MySQL transaction per message before the broadcast)',
};

/** The gateways + worker as `npm start` runs them, in queue mode (`cluster`) or direct mode (`naive`). */
export async function startChatCluster(system: 'cluster' | 'naive', replicas: number): Promise<Target> {
  const persistence = system === 'naive' ? 'direct' : 'queue';
  const test = await startTestCluster({ gateways: replicas, env: { PERSISTENCE_MODE: persistence } });
  const { supervisor, replicas: gateways } = test.cluster;
  const redisPid = await redisInfoNumber(test.redisUrl, 'server', 'process_id');
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
    redisUrl: test.redisUrl,
    serverPids: gatewayPids,
    procs: () =>
      Promise.resolve(
        compact([
          ...gateways.map((r) => ref('gateways', r.name, supervisor.pid(r.name))),
          ref('worker', 'worker', supervisor.pid('worker')),
          ...nginxProcs(supervisor.pid('nginx')),
          ref('redis', 'redis-server', redisPid),
          ref('mariadb', 'mariadbd (shared)', dbPid),
        ]),
      ),
    stop: () => test.stop(),
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
    serverPids: () => [],
    procs: () => Promise.resolve([]),
    stop: async () => {
      await db?.end();
    },
  };
}

/**
 * The ceiling: N ceiling-server processes behind the same nginx configuration as the cluster
 * (rendered by renderNginxConf), on a private redis-server started with the cluster's flags.
 */
export async function startCeiling(replicas: number): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bench-ceiling-'));
  const children: Child[] = [];
  const stop = async () => {
    await Promise.all(children.reverse().map((child) => child.stop()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const { redisArgs, findBinary } = await import('../../../deploy/local/services.mjs');
    const redisPort = await freePort();
    const redis = startChild('redis-server', findBinary('redis-server') ?? 'redis-server', redisArgs(redisPort, dir, false));
    children.push(redis);
    await eventually('ceiling redis', () => fetchRedisPing(redisPort), 10_000);

    const servers: { id: string; port: number; child: Child }[] = [];
    for (let i = 1; i <= replicas; i++) {
      const port = await freePort();
      const child = startChild(`ceiling-${i}`, process.execPath, [join(__dirname, 'ceiling-server.js')], {
        PORT: String(port),
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      });
      children.push(child);
      servers.push({ id: `ceiling-${i}`, port, child });
    }
    for (const server of servers)
      await eventually(`${server.id} to listen`, () => httpOk(`http://127.0.0.1:${server.port}/health`), 15_000);

    const httpPort = await freePort();
    const nginx = await startNginx(dir, httpPort, servers);
    children.push(nginx);
    const url = `http://127.0.0.1:${httpPort}`;
    await eventually('ceiling nginx', () => httpOk(`${url}/health`), 10_000);

    return {
      system: 'ceiling',
      url,
      protocol: 'bare',
      persistence: 'none',
      gatewayMetricsUrls: [],
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      serverPids: () => servers.map((s) => s.child.pid),
      procs: () =>
        Promise.resolve(
          compact([
            ...servers.map((s) => ref('gateways', s.id, s.child.pid)),
            ...nginxProcs(nginx.pid),
            ref('redis', 'redis-server', redis.pid),
          ]),
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

function startChild(name: string, command: string, args: string[], env: Record<string, string> = {}): Child {
  const child: ChildProcess = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    lines.splice(0, Math.max(0, lines.length - 40));
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    pid: child.pid ?? 0,
    output: () => lines.map((line) => `[${name}] ${line}\n`).join(''),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
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
