import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { appendFileSync, closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { freePortRange } from './ports';

/**
 * Real Redis topologies for the fault suites: a Sentinel set (a primary, its replicas and the
 * sentinels watching them) and a Redis Cluster, each made of plain redis-server processes on spare
 * loopback ports (ports.ts) with their own temporary directories. Nothing here ever talks to the
 * shared Redis on 6379: every address is one of the ports picked for the topology.
 *
 * Every process is SIGKILLed when the test process exits, however it exits: by an `exit` hook, and
 * by a small watchdog process that kills them once the test process's end of a pipe closes (a
 * SIGKILLed or crashed test runner leaves no redis-server behind either).
 */

const HOST = '127.0.0.1';
const SLOTS = 16_384;

/** One redis-server (or sentinel) this module started, in a directory of its own. */
export interface TopologyProcess {
  port: number;
  /** The process running now; undefined while the node is killed. */
  pid: number | undefined;
  alive: boolean;
  /** Its own directory: AOF, nodes.conf or sentinel.conf, and `redis.log` (its stdout and stderr). */
  dir: string;
}

// ---------------------------------------------------------------------------------------------
// Sentinel

export interface SentinelSetOptions {
  /** Replicas of the primary (default 1). */
  replicas?: number;
  /** Sentinels (default 3); the quorum is a majority of them. */
  sentinels?: number;
  /** The name the sentinels monitor the primary as (default `chat`). */
  masterName?: string;
  /** The whole start-up, before it fails with the processes' logs (default 15 s). */
  startTimeoutMs?: number;
}

export interface SentinelNode extends TopologyProcess {
  /** A data node's role as last seen (start, primaryPort(), waitForFailover(), restart()), or `sentinel`. */
  role: 'master' | 'replica' | 'sentinel';
}

export interface SentinelSet {
  /** `redis+sentinel://127.0.0.1:<s1>,127.0.0.1:<s2>,…/<masterName>` */
  url: string;
  masterName: string;
  /** The sentinels' addresses, as ioredis takes them: `new Redis({ sentinels, name: masterName })`. */
  sentinels: Array<{ host: string; port: number }>;
  /** The temporary directory holding every node's directory; removed by stop(). */
  dir: string;
  /** Data nodes first (the first one started as the primary), then the sentinels. */
  readonly nodes: SentinelNode[];
  /** Every pid this set has started, killed and restarted processes included. */
  pids(): number[];
  /** The primary's port as the sentinels report it (the answer of most of them). */
  primaryPort(): Promise<number>;
  /** SIGKILLs the current primary and returns its port. */
  killPrimary(): Promise<number>;
  /** SIGKILLs any node of the set (a replica, a sentinel). */
  kill(port: number): Promise<void>;
  /**
   * Resolves with the new primary's port once every running sentinel reports a primary other than
   * `oldPort`, with no failover in progress, and that node answers ROLE as master.
   */
  waitForFailover(oldPort: number, timeoutMs?: number): Promise<number>;
  /**
   * Starts a killed node again on its port and directory: a data node as a replica of the current
   * primary (resolving once it is in sync and every sentinel lists it), a sentinel from its
   * (rewritten) config file (resolving once the others and it know each other again).
   */
  restart(port: number, timeoutMs?: number): Promise<void>;
  /** Kills every process and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * A primary, `replicas` replicas and `sentinels` sentinels, resolving once every replica is in sync
 * and every sentinel knows the primary, the replicas and the other sentinels: a failover can start
 * at once (`down-after-milliseconds` 1000, `failover-timeout` 4000).
 */
export async function startSentinelSet(options: SentinelSetOptions = {}): Promise<SentinelSet> {
  const { replicas = 1, sentinels: sentinelCount = 3, masterName = 'chat', startTimeoutMs = 15_000 } = options;
  if (!/^[A-Za-z0-9._-]+$/.test(masterName)) throw new Error(`unusual master name: ${masterName}`);
  if (replicas < 0 || sentinelCount < 1) throw new Error('a Sentinel set needs at least one sentinel');
  const deadline = Date.now() + startTimeoutMs;
  const { binary, redisArgs } = await redisServer();
  const root = makeRoot('chat-sentinel-');
  const base = await freePortRange(1 + replicas + sentinelCount);

  const data = Array.from({ length: 1 + replicas }, (_, i) => new Proc(root, base + i));
  const sentinelProcs = Array.from({ length: sentinelCount }, (_, i) => new Proc(root, base + 1 + replicas + i));
  const all = [...data, ...sentinelProcs];
  const roles = new Map<number, 'master' | 'replica'>(data.map((node, i) => [node.port, i === 0 ? 'master' : 'replica']));
  const quorum = Math.floor(sentinelCount / 2) + 1;

  const dataArgs = (node: Proc, replicaOf?: number) => [
    ...redisArgs(node.port, node.dir, false),
    // Redis 7 waits 5 s for more replicas before a diskless full sync: nobody else is coming.
    '--repl-diskless-sync-delay',
    '0',
    '--replica-announce-ip',
    HOST,
    ...(replicaOf === undefined ? [] : ['--replicaof', HOST, String(replicaOf)]),
  ];
  const sentinelConf = (node: Proc) => join(node.dir, 'sentinel.conf');
  for (const node of sentinelProcs) {
    writeFileSync(
      sentinelConf(node),
      [
        `port ${node.port}`,
        `bind ${HOST}`,
        `dir ${node.dir}`,
        'daemonize no',
        'sentinel resolve-hostnames no',
        `sentinel announce-ip ${HOST}`,
        `sentinel monitor ${masterName} ${HOST} ${data[0].port} ${quorum}`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 4000`,
        `sentinel parallel-syncs ${masterName} 1`,
        '',
      ].join('\n'),
    );
  }
  const startSentinel = (node: Proc) => node.launch(binary, [sentinelConf(node), '--sentinel']);

  const primaryPort = async (): Promise<number> => {
    const answers = await Promise.all(
      sentinelProcs
        .filter((s) => s.alive)
        .map((s) => sentinelCommand(s.port, ['GET-MASTER-ADDR-BY-NAME', masterName]).catch(() => undefined)),
    );
    const ports = answers.flatMap((answer) => (Array.isArray(answer) && answer.length === 2 ? [Number(answer[1])] : []));
    if (ports.length === 0) throw new Error(`no sentinel of ${masterName} answers`);
    const counts = new Map<number, number>();
    for (const port of ports) counts.set(port, (counts.get(port) ?? 0) + 1);
    const port = [...counts].sort((a, b) => b[1] - a[1])[0][0];
    for (const node of data) roles.set(node.port, node.port === port ? 'master' : 'replica');
    return port;
  };

  /**
   * Throws why not, unless `primary` answers as master, every running replica is in sync with it,
   * and every running sentinel reports it, with every running replica and sentinel known and up.
   */
  const settled = async (primary: number) => {
    const replicaPorts = data.filter((node) => node.alive && node.port !== primary).map((node) => node.port);
    const sentinelPorts = sentinelProcs.filter((node) => node.alive).map((node) => node.port);
    const role = await command(primary, ['ROLE']);
    need(Array.isArray(role) && role[0] === 'master', `:${primary} is not master (ROLE ${JSON.stringify(role)})`);
    await Promise.all(
      replicaPorts.map(async (port) => {
        const info = parseInfo(await command(port, ['INFO', 'replication']));
        need(info.role === 'slave' && info.master_port === String(primary), `:${port} is not a replica of :${primary}`);
        need(info.master_link_status === 'up', `replica :${port} is not in sync (master_link_status:${info.master_link_status})`);
      }),
    );
    await Promise.all(
      sentinelPorts.map(async (port) => {
        const addr = await sentinelCommand(port, ['GET-MASTER-ADDR-BY-NAME', masterName]);
        need(Array.isArray(addr) && Number(addr[1]) === primary, `sentinel :${port} reports ${JSON.stringify(addr)}, not :${primary}`);
        const master = pairs(await sentinelCommand(port, ['MASTER', masterName]));
        need(healthy(master.flags, 'master'), `sentinel :${port} flags the primary ${master.flags}`);
        const known = (await sentinelCommand(port, ['REPLICAS', masterName])) as unknown[];
        const seen = new Map(known.map(pairs).map((r) => [Number(r.port), r]));
        for (const replica of replicaPorts) {
          const entry = seen.get(replica);
          need(entry !== undefined, `sentinel :${port} does not know replica :${replica} yet`);
          need(healthy(entry.flags, 'slave'), `sentinel :${port} flags replica :${replica} ${entry.flags}`);
          need(entry['master-port'] === String(primary), `sentinel :${port} has replica :${replica} on :${entry['master-port']}`);
          need(Number(entry['info-refresh']) < 60_000, `sentinel :${port} has no INFO from replica :${replica} yet`);
        }
        const peers = ((await sentinelCommand(port, ['SENTINELS', masterName])) as unknown[]).map(pairs);
        for (const other of sentinelPorts.filter((p) => p !== port)) {
          const entry = peers.find((peer) => Number(peer.port) === other);
          need(entry !== undefined, `sentinel :${port} does not know sentinel :${other} yet`);
          // master_down (its vote in the last failover) is only cleared 5 s later: harmless.
          need(healthy(entry.flags, 'sentinel'), `sentinel :${port} flags sentinel :${other} ${entry.flags}`);
        }
      }),
    );
    return true;
  };

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopAll(all, root));

  try {
    data[0].launch(binary, dataArgs(data[0]));
    await until(`primary :${data[0].port} to answer`, () => command(data[0].port, ['PING']), deadline - Date.now(), [data[0]]);
    for (const replica of data.slice(1)) replica.launch(binary, dataArgs(replica, data[0].port));
    // The sentinels find the replicas in the primary's INFO: only once they are attached, or they
    // would wait for the next INFO, 10 s later.
    await until(
      'the replicas to sync',
      async () => {
        for (const replica of data.slice(1)) {
          const info = parseInfo(await command(replica.port, ['INFO', 'replication']));
          need(info.master_link_status === 'up', `replica :${replica.port} master_link_status:${info.master_link_status}`);
        }
        return true;
      },
      deadline - Date.now(),
      data,
    );
    for (const node of sentinelProcs) startSentinel(node);
    await until('the sentinels to know each other and every node', () => settled(data[0].port), deadline - Date.now(), all);
  } catch (error) {
    const failure = startupError(`Sentinel set on ports ${base}-${base + all.length - 1}`, error, all);
    await stop();
    throw failure;
  }

  const byPort = (port: number) => {
    const node = all.find((n) => n.port === port);
    if (!node) throw new Error(`:${port} is not a node of this Sentinel set`);
    return node;
  };

  return {
    url: `redis+sentinel://${sentinelProcs.map((s) => `${HOST}:${s.port}`).join(',')}/${masterName}`,
    masterName,
    sentinels: sentinelProcs.map((s) => ({ host: HOST, port: s.port })),
    dir: root,
    get nodes(): SentinelNode[] {
      return all.map((node) => ({ ...node.snapshot(), role: roles.get(node.port) ?? 'sentinel' }));
    },
    pids: () => all.flatMap((node) => node.pids),
    primaryPort,
    async killPrimary() {
      const port = await primaryPort();
      await byPort(port).kill();
      return port;
    },
    kill: (port) => byPort(port).kill(),
    async waitForFailover(oldPort, timeoutMs = 20_000) {
      const port = await until(
        `the sentinels of ${masterName} to fail over from :${oldPort}`,
        async () => {
          const running = sentinelProcs.filter((s) => s.alive);
          const answers = await Promise.all(
            running.map(async (s) => {
              const addr = await sentinelCommand(s.port, ['GET-MASTER-ADDR-BY-NAME', masterName]);
              const master = pairs(await sentinelCommand(s.port, ['MASTER', masterName]));
              need(healthy(master.flags, 'master'), `sentinel :${s.port} flags the primary ${master.flags}`);
              return Array.isArray(addr) ? Number(addr[1]) : NaN;
            }),
          );
          const port = answers[0];
          need(
            port !== oldPort && answers.every((answer) => answer === port),
            `the sentinels report ${answers.map((a) => `:${a}`).join(', ')}`,
          );
          const role = await command(port, ['ROLE']);
          need(Array.isArray(role) && role[0] === 'master', `:${port} answers ROLE ${JSON.stringify(role)}`);
          return port;
        },
        timeoutMs,
      );
      for (const node of data) roles.set(node.port, node.port === port ? 'master' : 'replica');
      return port;
    },
    async restart(port, timeoutMs = 15_000) {
      const node = byPort(port);
      if (node.alive) throw new Error(`:${port} is running`);
      if (sentinelProcs.includes(node)) {
        startSentinel(node);
        await until(`sentinel :${port} to rejoin`, async () => settled(await primaryPort()), timeoutMs, [node]).catch((error: unknown) => {
          throw startupError(`restarted sentinel :${port}`, error, [node]);
        });
        return;
      }
      const primary = await primaryPort();
      node.launch(binary, dataArgs(node, primary === port ? undefined : primary));
      // Its own link, not the sentinels' view of it: that follows within their next INFO (up to
      // 10 s), and while a failover settles they may list a replica half-reconfigured (port 0).
      const linked = async () => {
        if (primary === port) return (await command(port, ['PING'])) === 'PONG';
        const info = parseInfo(await command(port, ['INFO', 'replication']));
        need(info.master_link_status === 'up', `:${port} master_link_status:${info.master_link_status}`);
        return true;
      };
      await until(`:${port} to rejoin as a replica of :${primary}`, linked, timeoutMs, [node]).catch((error: unknown) => {
        throw startupError(`restarted :${port}`, error, [node]);
      });
      roles.set(port, primary === port ? 'master' : 'replica');
    },
    stop,
  };
}

// ---------------------------------------------------------------------------------------------
// Cluster

export interface RedisClusterOptions {
  /** Masters (default 3), sharing the 16384 slots evenly. */
  masters?: number;
  /** Replicas of each master (default 1). */
  replicasPerMaster?: number;
  /** The whole start-up, before it fails with the processes' logs (default 15 s). */
  startTimeoutMs?: number;
  /**
   * How the nodes are joined: `redis-cli --cluster create` (the default when redis-cli ≥ 7 is
   * installed and there are at least 3 masters), or CLUSTER MEET / ADDSLOTSRANGE / REPLICATE.
   */
  create?: 'redis-cli' | 'commands';
}

export interface ClusterNode extends TopologyProcess {
  /** As of the last look at the cluster (start, waitForFailover(), restart(), refresh()). */
  role: 'master' | 'replica';
  id: string;
  /** A replica's master. */
  masterPort: number | undefined;
  /** Inclusive ranges; empty for a replica and a master that lost its slots. */
  slots: Array<[number, number]>;
}

export interface RedisCluster {
  /** `redis+cluster://127.0.0.1:<p1>,127.0.0.1:<p2>,…` with every node. */
  url: string;
  /** Every node, as ioredis takes them: `new Cluster(startupNodes)`. */
  startupNodes: Array<{ host: string; port: number }>;
  dir: string;
  readonly nodes: ClusterNode[];
  /** Every pid this cluster has started, killed and restarted processes included. */
  pids(): number[];
  /** The masters owning slots, as of the last look at the cluster. */
  masterPorts(): number[];
  /** The master owning `slot`, as of the last look at the cluster. */
  masterOf(slot: number): number;
  /** masterOf(keySlot(key)). */
  portForKey(key: string | Buffer): number;
  /** SIGKILLs a master. */
  killMaster(port: number): Promise<void>;
  /** SIGKILLs any node. */
  kill(port: number): Promise<void>;
  /**
   * Resolves with the promoted replica's port once one of `port`'s replicas owns its slots, every
   * running node agrees on which master owns every slot, and every one says `cluster_state:ok`.
   */
  waitForFailover(port: number, timeoutMs?: number): Promise<number>;
  /** Starts a killed node again (same port, directory and nodes.conf); a former master comes back as a replica. */
  restart(port: number, timeoutMs?: number): Promise<void>;
  /** Reads the topology again (CLUSTER NODES) for nodes, masterPorts(), masterOf(). */
  refresh(): Promise<void>;
  /** Kills every process and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * `masters` masters and `replicasPerMaster` replicas of each, resolving once every node says
 * `cluster_state:ok`, knows every other node and agrees on the slots, and every replica is in sync.
 * Each node's cluster bus gets its own spare port (`cluster-port`), so the bus is never at port +
 * 10000, up in the kernel's ephemeral range.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const { masters = 3, replicasPerMaster = 1, startTimeoutMs = 15_000 } = options;
  if (masters < 1 || replicasPerMaster < 0) throw new Error('a cluster needs at least one master');
  const deadline = Date.now() + startTimeoutMs;
  const { binary, redisArgs, version, findBinary } = await redisServer();
  if (version[0] < 7) throw new Error(`redis-server ${version.join('.')}: the cluster fixture needs 7.0 or later (cluster-port)`);
  const cli = findBinary('redis-cli');
  const cliVersion = cli ? await binaryVersion(cli, ['--version'], /redis-cli (\d+)\.(\d+)/) : undefined;
  const create = options.create ?? (cliVersion && cliVersion[0] >= 7 && masters >= 3 ? 'redis-cli' : 'commands');
  if (create === 'redis-cli' && !cli) throw new Error('redis-cli is not installed');

  const count = masters * (1 + replicasPerMaster);
  const root = makeRoot('chat-redis-cluster-');
  const base = await freePortRange(2 * count);
  const procs = Array.from({ length: count }, (_, i) => new Proc(root, base + i));
  const busPort = (node: Proc) => node.port + count;
  const args = (node: Proc) => [
    ...redisArgs(node.port, node.dir, false),
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    join(node.dir, 'nodes.conf'),
    '--cluster-node-timeout',
    '1000',
    '--cluster-port',
    String(busPort(node)),
    '--cluster-announce-ip',
    HOST,
    // Keep the shape the suite asked for: no replica wanders off to an orphaned master.
    '--cluster-allow-replica-migration',
    'no',
    '--repl-diskless-sync-delay',
    '0',
  ];

  let topology: ClusterNode[] = [];
  const refresh = async () => {
    const from = procs.find((node) => node.alive);
    if (!from) throw new Error('no node of the cluster is running');
    const lines = parseClusterNodes(await command(from.port, ['CLUSTER', 'NODES']));
    const portOf = new Map(lines.map((line) => [line.id, line.port]));
    topology = procs.map((node) => {
      const line = lines.find((l) => l.port === node.port);
      return {
        ...node.snapshot(),
        id: line?.id ?? '',
        role: line?.flags.includes('slave') ? 'replica' : 'master',
        masterPort: line?.masterId ? portOf.get(line.masterId) : undefined,
        slots: line?.slots ?? [],
      };
    });
  };

  /**
   * Throws why not, unless every running node says `cluster_state:ok`, knows every other running
   * node as up, has the same slot owners as the others (all running, `masters` of them), and every
   * running replica is in sync.
   */
  const settled = async () => {
    const running = procs.filter((node) => node.alive);
    const ports = new Set(running.map((node) => node.port));
    const views = await Promise.all(
      running.map(async (node) => {
        const info = parseInfo(await command(node.port, ['CLUSTER', 'INFO']));
        need(info.cluster_state === 'ok', `:${node.port} cluster_state:${info.cluster_state}`);
        const lines = parseClusterNodes(await command(node.port, ['CLUSTER', 'NODES']));
        for (const port of ports) {
          const line = lines.find((l) => l.port === port);
          need(line !== undefined, `:${node.port} does not know :${port} yet`);
          const bad = line.flags.filter((flag) => ['handshake', 'noaddr', 'fail', 'fail?'].includes(flag));
          need(bad.length === 0, `:${node.port} flags :${port} ${bad.join(',')}`);
          // redis-cli assigns the replicas after the slots: until every node has heard, a replica
          // still looks like a master without slots, and a failover would find no one to promote.
          need(line.slots.length > 0 || line.flags.includes('slave'), `:${node.port} sees :${port} as a master without slots`);
        }
        const owners = lines.filter((line) => line.slots.length > 0);
        need(owners.length === masters, `:${node.port} sees ${owners.length} masters with slots`);
        for (const owner of owners) need(ports.has(owner.port), `:${node.port} has slots on :${owner.port}, which is down`);
        const me = lines.find((line) => line.flags.includes('myself'));
        if (me?.flags.includes('slave')) {
          const replication = parseInfo(await command(node.port, ['INFO', 'replication']));
          need(replication.master_link_status === 'up', `replica :${node.port} master_link_status:${replication.master_link_status}`);
        }
        return owners
          .map((owner) => `${owner.port}=${owner.slots.map(([a, b]) => `${a}-${b}`).join(',')}`)
          .sort()
          .join(' ');
      }),
    );
    need(
      views.every((view) => view === views[0]),
      `the nodes disagree on the slots: ${views.join(' | ')}`,
    );
    return true;
  };

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopAll(procs, root));
  const createLog = join(root, 'create.log');

  try {
    for (const node of procs) node.launch(binary, args(node));
    await until(
      'the nodes to answer',
      async () => {
        for (const node of procs) await command(node.port, ['PING']);
        return true;
      },
      deadline - Date.now(),
      procs,
    );
    if (create === 'redis-cli' && cli) {
      const addresses = procs.map((node) => `${HOST}:${node.port}`);
      const cliArgs = ['--cluster', 'create', ...addresses, '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'];
      appendFileSync(createLog, `$ redis-cli ${cliArgs.join(' ')}\n`);
      const result = await promisify(execFile)(cli, cliArgs, { timeout: Math.max(1, deadline - Date.now()) }).catch(
        (error: Error & { stdout?: string; stderr?: string }) => {
          appendFileSync(createLog, `${error.stdout ?? ''}${error.stderr ?? ''}`);
          throw new Error(`redis-cli --cluster create failed: ${error.message}`);
        },
      );
      appendFileSync(createLog, `${result.stdout}${result.stderr}`);
    } else {
      await createWithCommands(procs, masters, replicasPerMaster, busPort, deadline);
    }
    await until('the cluster to settle', settled, deadline - Date.now(), procs);
    await refresh();
  } catch (error) {
    const where = `Redis Cluster on ports ${base}-${base + count - 1} (bus ${base + count}-${base + 2 * count - 1})`;
    const failure = startupError(where, error, procs, [createLog]);
    await stop();
    throw failure;
  }

  const byPort = (port: number) => {
    const node = procs.find((n) => n.port === port);
    if (!node) throw new Error(`:${port} is not a node of this cluster`);
    return node;
  };
  const masterOf = (slot: number) => {
    if (!Number.isInteger(slot) || slot < 0 || slot >= SLOTS) throw new Error(`no slot ${slot}`);
    const owner = topology.find((node) => node.slots.some(([first, last]) => slot >= first && slot <= last));
    if (!owner) throw new Error(`no master owns slot ${slot}`);
    return owner.port;
  };

  return {
    url: `redis+cluster://${procs.map((node) => `${HOST}:${node.port}`).join(',')}`,
    startupNodes: procs.map((node) => ({ host: HOST, port: node.port })),
    dir: root,
    get nodes(): ClusterNode[] {
      return topology.map((node) => ({
        ...node,
        ...byPort(node.port).snapshot(),
        slots: node.slots.map(([a, b]): [number, number] => [a, b]),
      }));
    },
    pids: () => procs.flatMap((node) => node.pids),
    masterPorts: () => topology.filter((node) => node.slots.length > 0).map((node) => node.port),
    masterOf,
    portForKey: (key) => masterOf(keySlot(key)),
    async killMaster(port) {
      const node = topology.find((n) => n.port === port);
      if (!node || node.role !== 'master' || node.slots.length === 0) throw new Error(`:${port} is not a master with slots`);
      await byPort(port).kill();
    },
    kill: (port) => byPort(port).kill(),
    async waitForFailover(port, timeoutMs = 20_000) {
      const old = topology.find((node) => node.port === port);
      if (!old || old.slots.length === 0) throw new Error(`:${port} owned no slots`);
      const candidates = topology.filter((node) => node.masterPort === port).map((node) => node.port);
      if (candidates.length === 0) throw new Error(`:${port} has no replica to promote`);
      const slot = old.slots[0][0];
      await until(
        `a replica of :${port} (${candidates.map((p) => `:${p}`).join(', ')}) to take over`,
        async () => {
          need(!byPort(port).alive, `:${port} is still running`);
          return settled();
        },
        timeoutMs,
      );
      await refresh();
      const promoted = masterOf(slot);
      if (!candidates.includes(promoted)) throw new Error(`slot ${slot} moved to :${promoted}, not to a replica of :${port}`);
      return promoted;
    },
    async restart(port, timeoutMs = 15_000) {
      const node = byPort(port);
      if (node.alive) throw new Error(`:${port} is running`);
      node.launch(binary, args(node));
      await until(`:${port} to rejoin the cluster`, settled, timeoutMs, [node]).catch((error: unknown) => {
        throw startupError(`restarted :${port}`, error, [node]);
      });
      await refresh();
    },
    refresh,
    stop,
  };
}

/** What `redis-cli --cluster create` does, over plain commands: epochs, slots, MEET, REPLICATE. */
async function createWithCommands(
  procs: Proc[],
  masters: number,
  replicasPerMaster: number,
  busPort: (node: Proc) => number,
  deadline: number,
) {
  const ids = (await Promise.all(procs.map((node) => command(node.port, ['CLUSTER', 'MYID'])))).map(String);
  await Promise.all(procs.map((node, i) => command(node.port, ['CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)])));
  const perMaster = SLOTS / masters;
  let first = 0;
  for (let i = 0; i < masters; i++) {
    const last = i === masters - 1 ? SLOTS - 1 : Math.max(first, Math.round(perMaster * (i + 1)) - 1);
    await command(procs[i].port, ['CLUSTER', 'ADDSLOTSRANGE', String(first), String(last)]);
    first = last + 1;
  }
  const [hub] = procs;
  await Promise.all(procs.slice(1).map((node) => command(node.port, ['CLUSTER', 'MEET', HOST, String(hub.port), String(busPort(hub))])));
  await until(
    'every node to meet every other',
    async () => {
      for (const node of procs) {
        const lines = parseClusterNodes(await command(node.port, ['CLUSTER', 'NODES']));
        need(lines.length === procs.length, `:${node.port} knows ${lines.length} of ${procs.length} nodes`);
        need(!lines.some((line) => line.flags.includes('handshake')), `:${node.port} is still in a handshake`);
      }
      return true;
    },
    deadline - Date.now(),
    procs,
  );
  for (let i = 0; i < masters; i++) {
    for (let j = 0; j < replicasPerMaster; j++) {
      await command(procs[masters + i * replicasPerMaster + j].port, ['CLUSTER', 'REPLICATE', ids[i]]);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Slots

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
})();

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys with. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ byte) & 0xff];
  return crc;
}

/**
 * The slot Redis Cluster puts `key` in: CRC16 of the key mod 16384, or of its hash tag, the part
 * between the first `{` and the first `}` after it when that part is not empty.
 */
export function keySlot(key: string | Buffer): number {
  const bytes = typeof key === 'string' ? Buffer.from(key) : key;
  const open = bytes.indexOf(0x7b);
  if (open !== -1) {
    const close = bytes.indexOf(0x7d, open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % SLOTS;
  }
  return crc16(bytes) % SLOTS;
}

// ---------------------------------------------------------------------------------------------
// Processes

const running = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let watchdog: ChildProcess | undefined;

/**
 * Run by a second node process: it SIGKILLs the pids it was told about (`p+<pid>`, `p-<pid>`) and
 * removes the directories (`d+<dir>`, `d-<dir>`) when its stdin closes, that is when the test
 * process is gone, even SIGKILLed. It ignores the signals a Ctrl-C or a test runner sends the group.
 */
const WATCHDOG = `
const { rmSync } = require('node:fs');
const pids = new Set();
const dirs = new Set();
let buffer = '';
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => {});
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffer += chunk;
  const lines = buffer.split('\\n');
  buffer = lines.pop();
  for (const line of lines) {
    const set = line[0] === 'p' ? pids : dirs;
    const value = line[0] === 'p' ? Number(line.slice(2)) : line.slice(2);
    if (line[1] === '+') set.add(value); else set.delete(value);
  }
});
let done = false;
const reap = () => {
  if (done) return;
  done = true;
  for (const pid of pids) { try { process.kill(pid, 'SIGKILL'); } catch {} }
  setTimeout(() => {
    for (const dir of dirs) { try { rmSync(dir, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  }, pids.size > 0 ? 300 : 0);
};
process.stdin.on('end', reap);
process.stdin.on('close', reap);
process.stdin.on('error', reap);
`;

function tell(line: string): void {
  if (!watchdog) {
    process.on('exit', () => {
      for (const child of running) child.kill('SIGKILL');
      for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    });
    watchdog = spawn(process.execPath, ['-e', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.on('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    // Neither the watchdog nor its pipe keeps the test process alive.
    watchdog.unref();
    (watchdog.stdin as unknown as { unref(): void }).unref();
  }
  watchdog.stdin?.write(`${line}\n`);
}

function makeRoot(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  tell(`d+${dir}`);
  return dir;
}

async function stopAll(procs: Proc[], root: string): Promise<void> {
  await Promise.all(procs.map((node) => node.kill()));
  rmSync(root, { recursive: true, force: true });
  tempDirs.delete(root);
  tell(`d-${root}`);
}

/** A node's port and directory, and the process running there now, if any. */
class Proc {
  readonly dir: string;
  readonly log: string;
  readonly pids: number[] = [];
  private child: ChildProcess | undefined;
  private ended = true;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    root: string,
    readonly port: number,
  ) {
    this.dir = join(root, `node-${port}`);
    this.log = join(this.dir, 'redis.log');
    mkdirSync(this.dir);
  }

  get alive(): boolean {
    return !this.ended;
  }

  launch(binary: string, args: string[]): void {
    if (this.alive) throw new Error(`:${this.port} is already running`);
    appendFileSync(this.log, `--- ${new Date().toISOString()} ${binary} ${args.join(' ')}\n`);
    const out = openSync(this.log, 'a');
    const child = spawn(binary, args, { stdio: ['ignore', out, out] });
    closeSync(out);
    this.child = child;
    this.ended = false;
    running.add(child);
    const pid = child.pid;
    if (pid !== undefined) {
      this.pids.push(pid);
      tell(`p+${pid}`);
    }
    this.exited = new Promise((done) => {
      const finish = () => {
        if (this.child === child) this.ended = true;
        running.delete(child);
        if (pid !== undefined) tell(`p-${pid}`);
        done();
      };
      child.once('exit', finish);
      child.once('error', (error) => {
        appendFileSync(this.log, `spawn failed: ${error.message}\n`);
        finish();
      });
    });
  }

  /** SIGKILL, resolving once the process is gone (reaped). */
  async kill(): Promise<void> {
    if (this.alive) this.child?.kill('SIGKILL');
    await this.exited;
  }

  snapshot(): TopologyProcess {
    return { port: this.port, pid: this.alive ? this.child?.pid : undefined, alive: this.alive, dir: this.dir };
  }

  tail(lines = 15): string {
    return logTail(this.log, lines);
  }
}

function logTail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function startupError(what: string, error: unknown, procs: Proc[], extraLogs: string[] = []): Error {
  const message = error instanceof Error ? error.message : String(error);
  const logs = [
    ...procs.map((node) => `--- :${node.port} (${node.log})\n${node.tail()}`),
    ...extraLogs.map((file) => `--- ${file}\n${logTail(file, 30)}`),
  ];
  return new Error(`${what}: ${message}\n${logs.join('\n')}`, { cause: error });
}

interface RedisServer {
  binary: string;
  version: number[];
  redisArgs: (port: number, dir: string, daemonize: boolean) => string[];
  findBinary: (name: string) => string | null;
}

let server: Promise<RedisServer> | undefined;
function redisServer(): Promise<RedisServer> {
  server ??= (async () => {
    const { findBinary, redisArgs } = await import('../../../deploy/local/services.mjs');
    const binary = findBinary('redis-server');
    if (!binary) throw new Error('redis-server is needed (apt-get install redis-server)');
    const version = await binaryVersion(binary, ['--version'], /v=(\d+)\.(\d+)/);
    return { binary, version: version ?? [0, 0], redisArgs, findBinary };
  })();
  return server;
}

async function binaryVersion(binary: string, args: string[], pattern: RegExp): Promise<number[] | undefined> {
  const { stdout } = await promisify(execFile)(binary, args).catch(() => ({ stdout: '' }));
  const match = pattern.exec(stdout);
  return match ? match.slice(1).map(Number) : undefined;
}

// ---------------------------------------------------------------------------------------------
// Talking to the nodes

/** One command on a fresh connection to a local port: no retry, no offline queue, 1 s to answer. */
async function command(port: number, args: string[]): Promise<unknown> {
  const client = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1_000,
    commandTimeout: 1_000,
  });
  client.on('error', () => undefined); // a refused probe is an expected answer while a node is down
  try {
    await client.connect();
    return await client.call(args[0], ...args.slice(1));
  } finally {
    client.disconnect();
  }
}

const sentinelCommand = (port: number, args: string[]) => command(port, ['SENTINEL', ...args]);

/** Polls `check` until it returns something truthy; fails at once if one of `watch` exits. */
async function until<T>(what: string, check: () => Promise<T>, timeoutMs: number, watch: Proc[] = [], everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const dead = watch.find((node) => !node.alive);
    if (dead) throw new Error(`:${dead.port} exited while waiting for ${what}`);
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? ` (last: ${last.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await sleep(everyMs);
  }
}

/** Sentinel flags naming `kind` and none of the trouble: down, unreachable, mid-failover. */
function healthy(flags: string | undefined, kind: 'master' | 'slave' | 'sentinel'): boolean {
  const list = (flags ?? '').split(',');
  const trouble = ['s_down', 'o_down', 'disconnected', 'failover_in_progress', 'promoted'];
  return list.includes(kind) && !list.some((flag) => trouble.includes(flag) || flag.startsWith('reconf_'));
}

function need(condition: boolean, why: string): asserts condition {
  if (!condition) throw new Error(why);
}

function parseInfo(text: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of String(text).split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

/** A Sentinel reply's flat `[field, value, field, value, …]` as an object. */
function pairs(reply: unknown): Record<string, string> {
  const fields: Record<string, string> = {};
  if (!Array.isArray(reply)) return fields;
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = String(reply[i + 1]);
  return fields;
}

interface ClusterNodesLine {
  id: string;
  port: number;
  flags: string[];
  masterId: string | undefined;
  slots: Array<[number, number]>;
}

/** CLUSTER NODES: `<id> <ip:port@cport[,hostname]> <flags> <master|-> <ping> <pong> <epoch> <link> <slot>…` */
function parseClusterNodes(text: unknown): ClusterNodesLine[] {
  return String(text)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [id, address, flags, master, , , , , ...slots] = line.trim().split(' ');
      return {
        id,
        port: Number(address.split('@')[0].split(':').pop()),
        flags: flags.split(','),
        masterId: master === '-' ? undefined : master,
        slots: slots
          .filter((slot) => !slot.startsWith('['))
          .map((slot): [number, number] => {
            const [first, last = first] = slot.split('-').map(Number);
            return [first, last];
          }),
      };
    });
}
