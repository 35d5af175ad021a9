// `npm run bench -- --connections 20000`: the connection-scale run. Starts its own cluster, gives
// every user one authenticated socket through nginx (spread over source addresses and generator
// processes), and reports what the sockets cost each replica at rest (memory per socket, idle
// CPU per 1,000 sockets, nginx and Redis beside them), the delivery latency of a message mix at
// that size, and a reconnect storm: the replica holding a third of the sockets killed while the
// mix runs. Prints a table and writes the figures as JSON (`--out`). `--help` lists the options.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { RowDataPacket } from 'mysql2/promise';
import { ConnectRefusal } from '@chat/contracts';
import { percentiles } from '../bench/generator';
import { averageRss, childrenOf, CpuMeter, type CpuUsage, mariadbPid, nginxProcs, type ProcRef } from '../bench/process-stats';
import { startTestCluster, type TestCluster } from '../support/test-cluster';
import { addCounts, diffCounts, populate, roomOf, socketsGauge, sourceAddresses, SOCKETS_PER_ADDRESS } from './connections';
import { listCounts, millis, seconds } from './crowd';
import { GeneratorProcess, type GeneratorStatus, type ViewCheck } from './generator-process';
import { LatencyRecorder, type LatencySummary } from './latency';
import { checkStored, type MixFigures, type MixSend, mergeBack, mixTag, waitStored } from './storm';

/** One process's socket share at most: its open-files limit is 20,000, and one event loop tires well before. */
const PER_GENERATOR = 5_000;
/** nginx holds a proxied WebSocket with two of a worker's 16,384 connections; a quarter of that leaves room for an uneven accept. */
const PER_NGINX_WORKER = 4_000;
const LATENCY_TARGET_MS = 250;
/** The latency observer's process: named, so its tallies can be told from the bulk processes'. */
const OBSERVER = 'observer';

interface Options {
  connections: number;
  replicas: number;
  roomSize: number;
  generators: number;
  observers: number;
  observerShare: number;
  perAddress: number;
  rampPerSecond: number;
  connectRate: number;
  connectBurst: number;
  nginxWorkers: number;
  idleSeconds: number;
  mixSeconds: number;
  mixShare: number;
  mixRate: number;
  storm: boolean;
  stormBeforeSeconds: number;
  stormAfterSeconds: number;
  stormTimeoutSeconds: number;
  out: string;
}

const HELP = `npm run bench -- --connections <n> [options]

  --connections <n>          sockets, one per user (default 20000)
  --replicas <n>             gateway replicas (default 3)
  --room-size <n>            members per room (default 10)
  --generators <n>           generator processes (default: one per ${PER_GENERATOR} sockets)
  --observers <n>            sockets in one more, lightly loaded process that measures latency
                             without the bulk processes' own event-loop delay (default 1 %, at least 20 rooms)
  --observer-share <f>       share of the observers that send in the mixes (default 0.1)
  --per-address <n>          sockets per loopback source address (default ${SOCKETS_PER_ADDRESS})
  --ramp <n>                 new sockets per second while connecting (default 250)
  --connect-rate <n>         CONNECT_RATE_PER_SECOND of each replica (default 100: what a survivor
                             of a 20,000-socket storm can take on this 2-core machine)
  --connect-burst <n>        CONNECT_BURST of each replica (default: the rate)
  --nginx-workers <n>        (default: one per ${PER_NGINX_WORKER} sockets, at least 2)
  --idle-seconds <s>         idle window for CPU (default 45)
  --mix-seconds <s>          message mix window (default 45)
  --mix-share <f>            share of sockets that send (default 0.01)
  --mix-rate <n>             messages per second per sender (default 1)
  --no-storm                 skip the reconnect storm
  --storm-timeout <s>        how long the storm's clients may take to come back (default 180)
  --out <file>               JSON figures (default /tmp/chat-connections-<time>.json)
`;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      connections: { type: 'string' },
      replicas: { type: 'string' },
      'room-size': { type: 'string' },
      generators: { type: 'string' },
      observers: { type: 'string' },
      'observer-share': { type: 'string' },
      'per-address': { type: 'string' },
      ramp: { type: 'string' },
      'connect-rate': { type: 'string' },
      'connect-burst': { type: 'string' },
      'nginx-workers': { type: 'string' },
      'idle-seconds': { type: 'string' },
      'mix-seconds': { type: 'string' },
      'mix-share': { type: 'string' },
      'mix-rate': { type: 'string' },
      'no-storm': { type: 'boolean' },
      'storm-timeout': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const num = (value: string | undefined, fallback: number, name: string) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const connections = num(values.connections, 20_000, 'connections');
  const roomSize = num(values['room-size'], 10, 'room-size');
  if (connections % roomSize !== 0) throw new Error(`--connections must be a multiple of --room-size (${roomSize})`);
  if (values.observers && Number(values.observers) % roomSize !== 0)
    throw new Error(`--observers must be a multiple of --room-size (${roomSize})`);
  const connectRate = num(values['connect-rate'], 100, 'connect-rate');
  return {
    connections,
    replicas: num(values.replicas, 3, 'replicas'),
    roomSize,
    generators: num(values.generators, Math.ceil(connections / PER_GENERATOR), 'generators'),
    observers: num(values.observers, Math.max(20 * roomSize, Math.round(connections / 100 / roomSize) * roomSize), 'observers'),
    observerShare: num(values['observer-share'], 0.1, 'observer-share'),
    perAddress: num(values['per-address'], SOCKETS_PER_ADDRESS, 'per-address'),
    rampPerSecond: num(values.ramp, 250, 'ramp'),
    connectRate,
    connectBurst: num(values['connect-burst'], connectRate, 'connect-burst'),
    nginxWorkers: num(values['nginx-workers'], Math.max(2, Math.ceil(connections / PER_NGINX_WORKER)), 'nginx-workers'),
    idleSeconds: num(values['idle-seconds'], 45, 'idle-seconds'),
    mixSeconds: num(values['mix-seconds'], 45, 'mix-seconds'),
    mixShare: num(values['mix-share'], 0.01, 'mix-share'),
    mixRate: num(values['mix-rate'], 1, 'mix-rate'),
    storm: !values['no-storm'],
    stormBeforeSeconds: 5,
    stormAfterSeconds: 5,
    stormTimeoutSeconds: num(values['storm-timeout'], 180, 'storm-timeout'),
    out: values.out ?? `/tmp/chat-connections-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  };
}

function log(line: string): void {
  process.stderr.write(`[connections ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/** Everything this run started, stopped once on success, failure or a signal (a second signal exits at once). */
class Teardown {
  private readonly tasks: (() => Promise<void>)[] = [];
  private done?: Promise<void>;
  private signalled = false;

  add(task: () => Promise<void>): void {
    this.tasks.push(task);
  }

  run(): Promise<void> {
    // Last started, first stopped: the generators' sockets close before the cluster goes.
    return (this.done ??= (async () => {
      for (const task of this.tasks.reverse()) await task().catch((error: Error) => log(`teardown: ${error.message}`));
    })());
  }

  /** First signal: `onInterrupt`, then everything stopped, exit 130; a second one exits at once. */
  trapSignals(onInterrupt: () => void): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.signalled) process.exit(130);
      this.signalled = true;
      log(`${signal}: stopping the generators and the cluster…`);
      onInterrupt();
      void this.run().finally(() => process.exit(130));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}

interface ReplicaFigures {
  name: string;
  socketsGauge?: number;
  socketsReady: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  kibPerSocket: number;
  idleCpuCores: number;
  idleCorePercentPer1000: number;
}

interface Figures {
  startedAt: string;
  machine: { cpu: string; cores: number; memoryGiB: number; node: string; loadBefore: number[]; loadAfter?: number[] };
  options: Options;
  setup: {
    clusterSeconds: number;
    populateSeconds: number;
    openSeconds: number;
    openPerSecond: number;
    rampConnectErrors: Record<string, number>;
    /** Cores per process group while the sockets opened. */
    rampCores: Record<string, number>;
    nginxConnectionsPerWorker: number[];
  };
  replicas: ReplicaFigures[];
  idle?: {
    seconds: number;
    cores: Record<string, number>;
    corePercentPer1000: Record<string, number>;
    machineCores: number;
    rssMiB: Record<string, { before: number; after: number }>;
  };
  mix?: PhaseFigures & { cores: Record<string, number> };
  storm?: StormFigures;
  problems: string[];
}

interface PhaseFigures extends Omit<MixFigures, 'interrupted'> {
  /** Member deliveries an acked message did not get live (in the mix phase every member was connected throughout). */
  lostDeliveries: number;
  /** A member that got one message live twice. */
  duplicateDeliveries: number;
  deliveries: number;
  latency: LatencySummary;
}

/** In the storm, `lostDeliveries` counts live deliveries only: the cut-off clients get what they missed by sync, which `views` judges. */
interface StormFigures extends PhaseFigures {
  victim: string;
  affected: number;
  back: number;
  allBackSeconds?: number;
  readySeconds: LatencySummary;
  resumedSeconds: LatencySummary;
  serverBusy: number;
  otherConnectErrors: Record<string, number>;
  landedOn: Record<string, number>;
  /** Deliveries to the survivors' existing clients in the observer process (what the target is judged on). */
  observedSurvivorsLatency: LatencySummary;
  /** The same over every process, the bulk ones' own event-loop delay included. */
  survivorsLatency: LatencySummary;
  /** Every delivery of a message sent between the kill and everyone's return. */
  stormLatency: LatencySummary;
  survivorsTargetHolds: boolean;
  /** The surviving gateways' worst event-loop delay in the storm (prom-client's histogram, per sample). */
  gatewayLoopDelayMaxMs: Record<string, number>;
  stored: { missing: number; duplicates: number; mismatched: number };
  views: Omit<ViewCheck, 'problems' | 'counters'>;
  spreadAfter: Record<string, number>;
  /** Cores per process group from the kill until everyone was back. */
  cores: Record<string, number>;
  /** The generator processes' own event-loop delay from the kill on (the worst process). */
  generatorLoopDelayMs: { p99: number; max: number };
  /** About once a second until everyone was back. */
  timeline: StormSample[];
}

interface StormSample {
  seconds: number;
  back: number;
  /** Since the kill, as the clients saw them. */
  connectErrors: Record<string, number>;
  generatorLoopDelayMax: number;
  replicas: Record<string, GatewaySample>;
}

/** What a surviving gateway's metrics say at one moment. */
interface GatewaySample {
  sockets?: number;
  /** prom-client's event-loop delay histogram, which each scrape resets: the worst since the previous sample. */
  loopDelayMaxMs?: number;
  refused?: number;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const teardown = new Teardown();
  const figures: Figures = {
    startedAt: new Date().toISOString(),
    machine: {
      cpu: /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown',
      cores: cpus().length,
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      loadBefore: loadavg(),
    },
    options,
    setup: {
      clusterSeconds: 0,
      populateSeconds: 0,
      openSeconds: 0,
      openPerSecond: 0,
      rampConnectErrors: {},
      rampCores: {},
      nginxConnectionsPerWorker: [],
    },
    replicas: [],
    problems: [],
  };
  const report = () => {
    figures.machine.loadAfter = loadavg();
    writeFileSync(options.out, `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(`${render(figures)}\n`);
    log(`figures written to ${options.out}; stopping everything`);
  };
  // Interrupted: what was measured so far is still written out.
  teardown.trapSignals(() => {
    figures.problems.push('interrupted');
    report();
  });
  // A stray rejection must not leave the cluster's processes running without their supervisor.
  const crash = (error: unknown) => {
    log(`crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    void teardown.run().finally(() => process.exit(1));
  };
  process.on('uncaughtException', crash);
  process.on('unhandledRejection', crash);
  let failed = false;
  try {
    await run(options, figures, teardown);
  } catch (error) {
    failed = true;
    figures.problems.push(`run failed: ${(error as Error).message}`);
    log(`failed: ${(error as Error).stack ?? String(error)}`);
  } finally {
    report();
    await teardown.run();
  }
  process.exit(failed ? 1 : 0);
}

async function run(options: Options, figures: Figures, teardown: Teardown): Promise<void> {
  const n = options.connections;
  log(
    `starting ${options.replicas} replicas (CONNECT_RATE_PER_SECOND ${options.connectRate}, burst ${options.connectBurst}), nginx with ${options.nginxWorkers} workers`,
  );
  let clusterAt = Date.now();
  const starting = startTestCluster({
    gateways: options.replicas,
    nginxWorkers: options.nginxWorkers,
    env: {
      CONNECT_RATE_PER_SECOND: String(options.connectRate),
      CONNECT_BURST: String(options.connectBurst),
      MAX_SOCKETS_PER_USER: '20',
      // Setting up tens of thousands of users takes minutes; the tokens must outlive the run.
      JWT_TTL_SECONDS: '14400',
      SHUTDOWN_GRACE_MS: '8000',
    },
  });
  // Also when interrupted while it starts: it is stopped as soon as it is up.
  teardown.add(async () => (await starting.catch(() => undefined))?.stop());
  const cluster = await starting;
  figures.setup.clusterSeconds = (Date.now() - clusterAt) / 1000;
  const names = cluster.cluster.replicas.map((r) => r.name);

  log(`registering ${n} users in ${n / options.roomSize} rooms of ${options.roomSize}`);
  clusterAt = Date.now();
  const population = await populate(cluster.url, {
    users: n,
    roomSize: options.roomSize,
    onProgress: (done, total) => done % 5_000 === 0 && log(`  ${done} of ${total} users`),
  });
  figures.setup.populateSeconds = (Date.now() - clusterAt) / 1000;

  const addresses = sourceAddresses(n, options.perAddress);
  // The bulk processes hold the first users, the observer the last `observers` (whole rooms: its
  // rooms' senders and receivers are all its own).
  const bulk = n - options.observers;
  const slices = Array.from({ length: options.generators }, (_, g) => ({
    name: `generator-${g + 1}`,
    from: Math.floor((g * bulk) / options.generators),
    to: Math.floor(((g + 1) * bulk) / options.generators),
  }));
  slices.push({ name: OBSERVER, from: bulk, to: n });
  const generators = slices.map((slice) => new GeneratorProcess(slice.name));
  teardown.add(async () => {
    await Promise.all(generators.map((g) => g.stop()));
  });
  await Promise.all(
    generators.map((generator, g) => {
      const { from, to } = slices[g];
      const members = population.sessions
        .slice(from, to)
        .map((session, k) => ({ session, rooms: [roomOf(population, from + k)], address: addresses[from + k] }));
      return generator.call('init', { url: cluster.url, members, rooms: population.rooms, readyTimeoutMs: 180_000 });
    }),
  );
  const mixShareOf = (g: GeneratorProcess) => (g.name === OBSERVER ? options.observerShare : options.mixShare);

  const procs = processLister(cluster, generators);
  const gatewayPid = (name: string) => cluster.cluster.supervisor.pid(name) ?? 0;
  const rssBefore = new Map<string, number>();
  for (const name of names) rssBefore.set(name, await averageRss([gatewayPid(name)], 10));
  const groupRssBefore = await groupRss(procs);

  log(
    `opening ${n} sockets from ${new Set(addresses).size} source addresses in ${generators.length} generator processes at ${options.rampPerSecond}/s`,
  );
  const rampMeter = new CpuMeter(procs);
  await rampMeter.prepare();
  rampMeter.start();
  const openAt = Date.now();
  const opening = Promise.all(
    generators.map((g, i) =>
      g.call('open', { perSecond: (options.rampPerSecond * (slices[i].to - slices[i].from)) / n, concurrency: 100 }),
    ),
  );
  const progress = setInterval(() => {
    void statusOf(generators).then(
      (s) => log(`  ${s.connected} of ${n} connected: ${listCounts(s.spread)}`),
      () => undefined,
    );
  }, 5_000);
  try {
    await opening;
  } finally {
    clearInterval(progress);
  }
  figures.setup.rampCores = coresByGroup(rampMeter.stop());
  figures.setup.openSeconds = (Date.now() - openAt) / 1000;
  figures.setup.openPerSecond = n / figures.setup.openSeconds;
  let status = await statusOf(generators);
  figures.setup.rampConnectErrors = status.connectErrors;
  log(
    `all ${status.connected} connected in ${seconds(Date.now() - openAt)}: ${listCounts(status.spread)}; connect errors: ${listCounts(status.connectErrors) || 'none'}`,
  );

  // Presence writes, first pings and the joins' cache fills settle; then the replicas hold N sockets at rest.
  await sleep(10_000);
  const gauges = await socketsGauge(cluster.metricsUrls);
  status = await statusOf(generators);
  for (const [i, name] of names.entries()) {
    const after = await averageRss([gatewayPid(name)], 10);
    const sockets = status.spread[name] ?? 0;
    figures.replicas.push({
      name,
      socketsGauge: gauges[i],
      socketsReady: sockets,
      rssBeforeMiB: (rssBefore.get(name) ?? 0) / 2 ** 20,
      rssAfterMiB: after / 2 ** 20,
      kibPerSocket: sockets ? (after - (rssBefore.get(name) ?? 0)) / 1024 / sockets : NaN,
      idleCpuCores: NaN,
      idleCorePercentPer1000: NaN,
    });
  }
  figures.setup.nginxConnectionsPerWorker = nginxWorkerConnections(cluster);
  const groupRssAfter = await groupRss(procs);

  log(`idle window: ${options.idleSeconds} s with ${status.connected} sockets (heartbeats, presence, revocation sweeps)`);
  const idle = await measureCpu(procs, options.idleSeconds * 1000);
  const socketsTotal = status.connected;
  for (const replica of figures.replicas) {
    const cores = (idle.byProc.find((p) => p.ref.name === replica.name)?.seconds ?? 0) / idle.wallSeconds;
    replica.idleCpuCores = cores;
    replica.idleCorePercentPer1000 = replica.socketsReady ? (100 * cores) / (replica.socketsReady / 1000) : NaN;
  }
  const idleCores = coresByGroup(idle);
  figures.idle = {
    seconds: idle.wallSeconds,
    cores: idleCores,
    corePercentPer1000: Object.fromEntries(
      Object.entries(idleCores).map(([group, cores]) => [group, (100 * cores) / (socketsTotal / 1000)]),
    ),
    machineCores: idle.machineCores,
    rssMiB: Object.fromEntries(
      Object.keys(groupRssAfter).map((group) => [
        group,
        { before: (groupRssBefore[group] ?? 0) / 2 ** 20, after: groupRssAfter[group] / 2 ** 20 },
      ]),
    ),
  };

  log(
    `message mix: ${options.mixShare * 100} % of the sockets (${options.observerShare * 100} % of the observer's) send ${options.mixRate} msg/s to their room for ${options.mixSeconds} s`,
  );
  const mixMeter = new CpuMeter(procs);
  await mixMeter.prepare();
  const mixTagValue = mixTag();
  await Promise.all(
    generators.map((g) => g.call('startMix', { tag: mixTagValue, share: mixShareOf(g), perSenderPerSecond: options.mixRate })),
  );
  mixMeter.start();
  await sleep(options.mixSeconds * 1000);
  const mixCpu = mixMeter.stop();
  const mix = await finishMix(generators, mixTagValue, options.roomSize);
  figures.mix = { ...mix.phase, cores: coresByGroup(mixCpu) };
  if (!(await waitStored(cluster.db, mix.phase.acked, [mixTagValue], 60_000)))
    figures.problems.push('mix: not every acked message reached MySQL');
  const mixStored = await checkStored(cluster.db, mix.sends, [mixTagValue]);
  figures.problems.push(...mixStored.problems.map((p) => `mix: ${p}`));

  if (options.storm) figures.storm = await storm(options, cluster, generators, figures, procs, mixShareOf);
}

/** The reconnect storm at full size: kill -9 the busiest replica (kept down) under the mix; everyone back, nothing lost, survivors' latency. */
async function storm(
  options: Options,
  cluster: TestCluster,
  generators: GeneratorProcess[],
  figures: Figures,
  procs: () => Promise<ProcRef[]>,
  mixShareOf: (g: GeneratorProcess) => number,
): Promise<StormFigures> {
  const before = await statusOf(generators);
  const victim = Object.keys(before.spread).sort((a, b) => (before.spread[b] ?? 0) - (before.spread[a] ?? 0))[0];
  log(`storm: mix for ${options.stormBeforeSeconds} s, then SIGKILL ${victim} (${before.spread[victim]} sockets), kept down`);
  const tag = mixTag();
  await Promise.all(generators.map((g) => g.call('startMix', { tag, share: mixShareOf(g), perSenderPerSecond: options.mixRate })));
  await sleep(options.stormBeforeSeconds * 1000);
  const meter = new CpuMeter(procs);
  await meter.prepare();
  meter.start();
  const killAt = Date.now();
  const affected = (await Promise.all(generators.map((g) => g.call('markFault', { replicas: [victim], at: killAt })))).reduce(
    (a, b) => a + b,
    0,
  );
  await cluster.cluster.supervisor.stopOne(victim, 'SIGKILL');
  let allBackAt: number | undefined;
  const deadline = killAt + options.stormTimeoutSeconds * 1000;
  const timeline: StormSample[] = [];
  const survivors = cluster.cluster.replicas.filter((r) => r.name !== victim);
  const errorsAtKill = before.connectErrors;
  let lastSample = 0;
  while (Date.now() < deadline) {
    const s = await statusOf(generators);
    if (s.back === s.affected && s.connected === s.clients) {
      allBackAt = Date.now();
      break;
    }
    if (Date.now() - lastSample >= 1_000) {
      lastSample = Date.now();
      const replicas = await gatewaySamples(survivors.map((r) => r.metricsUrl));
      const sample: StormSample = {
        seconds: (lastSample - killAt) / 1000,
        back: s.back,
        connectErrors: diffCounts(s.connectErrors, errorsAtKill),
        generatorLoopDelayMax: s.loopDelay.max,
        replicas: Object.fromEntries(survivors.map((r, i) => [r.name, replicas[i]])),
      };
      timeline.push(sample);
      if (timeline.length % 5 === 1) log(`  ${describeSample(sample)}`);
    }
    await sleep(200);
  }
  const cores = coresByGroup(meter.stop());
  log(allBackAt ? `  all back after ${seconds(allBackAt - killAt)}` : `  not all back after ${options.stormTimeoutSeconds} s`);
  await sleep(options.stormAfterSeconds * 1000);
  const results = await Promise.all(generators.map((g) => g.call('faultResult', undefined)));
  const mix = await finishMix(generators, tag, options.roomSize, { from: killAt, to: allBackAt ?? Date.now() });
  const storedOk = await waitStored(cluster.db, mix.phase.acked, [tag], 60_000);
  const stored = await checkStored(cluster.db, mix.sends, [tag]);
  const databaseUrl = await databaseUrlOf(cluster);
  const views = (await Promise.all(generators.map((g) => g.call('check', { databaseUrl, convergeMs: 30_000 })))).reduce(addViews);
  const back = mergeBack(results.map((r) => r.back));
  const errors = addCounts(...results.map((r) => r.connectErrors));
  const busy = errors[ConnectRefusal.ServerBusy] ?? 0;
  const after = await statusOf(generators);
  const survivorsLatency = mix.survivors ?? percentiles([]);
  const observedSurvivorsLatency = mix.observedSurvivors ?? percentiles([]);
  const gatewayLoopDelayMaxMs: Record<string, number> = {};
  for (const sample of timeline)
    for (const [name, r] of Object.entries(sample.replicas))
      gatewayLoopDelayMaxMs[name] = Math.max(gatewayLoopDelayMaxMs[name] ?? 0, r.loopDelayMaxMs ?? 0);
  const problems: string[] = [];
  if (!storedOk) problems.push('not every acked message reached MySQL');
  problems.push(...stored.problems, ...views.problems);
  if (!allBackAt) problems.push(`${back.affected - back.back} clients not back within ${options.stormTimeoutSeconds} s`);
  if (busy === 0) problems.push('no server_busy refusal during the storm');
  const otherConnectErrors = diffCounts(errors, { [ConnectRefusal.ServerBusy]: busy });
  if (Object.keys(otherConnectErrors).length) problems.push(`connect errors other than server_busy: ${listCounts(otherConnectErrors)}`);
  if (!(observedSurvivorsLatency.p99 < LATENCY_TARGET_MS))
    problems.push(`survivors' p99 ${millis(observedSurvivorsLatency.p99)} ≥ ${LATENCY_TARGET_MS} ms (observer process)`);
  figures.problems.push(...problems.map((p) => `storm: ${p}`));
  return {
    ...mix.phase,
    victim,
    affected,
    back: back.back,
    allBackSeconds: allBackAt ? (allBackAt - killAt) / 1000 : undefined,
    readySeconds: inSeconds(percentiles(back.readyMs)),
    resumedSeconds: inSeconds(percentiles(back.resumedMs)),
    serverBusy: busy,
    otherConnectErrors,
    landedOn: back.landedOn,
    observedSurvivorsLatency,
    survivorsLatency,
    gatewayLoopDelayMaxMs,
    stormLatency: mix.window ?? percentiles([]),
    survivorsTargetHolds: observedSurvivorsLatency.p99 < LATENCY_TARGET_MS,
    stored: { missing: stored.missing, duplicates: stored.duplicates, mismatched: stored.mismatched },
    views: { behind: views.behind, lacking: views.lacking, foreign: views.foreign, conflicts: views.conflicts },
    spreadAfter: after.spread,
    cores,
    generatorLoopDelayMs: after.loopDelay,
    timeline,
  };
}

/**
 * Stops a mix in every generator, lets it settle, and merges what each saw: acks, and live
 * deliveries per message against the room's members (every member was connected throughout,
 * so each acked message owes `roomSize` deliveries), with the latency of every delivery.
 */
async function finishMix(
  generators: GeneratorProcess[],
  tag: string,
  roomSize: number,
  window?: { from: number; to: number },
): Promise<{
  phase: PhaseFigures;
  sends: Pick<MixSend, 'clientMsgId' | 'room' | 'ack'>[];
  /** The survivors' existing clients, as every process measured them, and as the observer alone did. */
  survivors?: LatencySummary;
  observedSurvivors?: LatencySummary;
  window?: LatencySummary;
}> {
  const stopped = await Promise.all(generators.map((g) => g.call('stopMix', { settleMs: 20_000 })));
  await sleep(2_000); // the last deliveries of the last acks
  const tallies = await Promise.all(generators.map((g) => g.call('tally', { tag })));
  const sends = stopped.flatMap((s) => s.sends);
  const delivered = new Map<string, number>();
  let duplicateDeliveries = 0;
  const all = new LatencyRecorder();
  const survivors = new LatencyRecorder();
  const observed = new LatencyRecorder();
  for (const [i, tally] of tallies.entries()) {
    duplicateDeliveries += tally.duplicates;
    for (const [id, count] of Object.entries(tally.delivered)) delivered.set(id, (delivered.get(id) ?? 0) + count);
    if (tally.latency.all) all.merge(tally.latency.all);
    if (tally.latency.survivors) survivors.merge(tally.latency.survivors);
    if (tally.latency.survivors && generators[i].name === OBSERVER) observed.merge(tally.latency.survivors);
  }
  let lostDeliveries = 0;
  let deliveries = 0;
  for (const send of sends) {
    const got = delivered.get(send.clientMsgId) ?? 0;
    deliveries += got;
    if (send.ack) {
      lostDeliveries += Math.max(0, roomSize - got);
      duplicateDeliveries += Math.max(0, got - roomSize);
    }
  }
  const merged = stopped.map((s) => s.figures).reduce(addMixFigures);
  return {
    phase: {
      tag,
      senders: merged.senders,
      seconds: Math.max(...stopped.map((s) => s.figures.seconds)),
      sent: merged.sent,
      acked: merged.acked,
      failed: merged.failed,
      unsettled: merged.unsettled,
      retried: merged.retried,
      errorAcks: merged.errorAcks,
      lostDeliveries,
      duplicateDeliveries,
      deliveries,
      latency: all.summary(),
    },
    sends,
    survivors: window ? survivors.summary(window.from, window.to) : undefined,
    observedSurvivors: window ? observed.summary(window.from, window.to) : undefined,
    window: window ? all.summary(window.from, window.to) : undefined,
  };
}

async function gatewaySamples(metricsUrls: string[]): Promise<GatewaySample[]> {
  return Promise.all(
    metricsUrls.map(async (url) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        const text = await response.text();
        const value = (name: string) => {
          const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
          return match ? Number(match[1]) : undefined;
        };
        const lag = value('nodejs_eventloop_lag_max_seconds');
        return {
          sockets: value('chat_sockets_connected'),
          loopDelayMaxMs: lag === undefined ? undefined : lag * 1000,
          refused: value('chat_socket_connects_refused_total'),
        };
      } catch {
        return {};
      }
    }),
  );
}

function describeSample(sample: StormSample): string {
  const replicas = Object.entries(sample.replicas)
    .map(([name, r]) => `${name} ${int(r.sockets)} sockets, loop ≤ ${fmt(r.loopDelayMaxMs, 0)} ms, refused ${int(r.refused)}`)
    .join('; ');
  return `${fmt(sample.seconds)} s: ${sample.back} back, errors ${listCounts(sample.connectErrors) || 'none'}; ${replicas}; generators loop ≤ ${fmt(sample.generatorLoopDelayMax, 0)} ms`;
}

function addMixFigures(a: MixFigures, b: MixFigures): MixFigures {
  return {
    tag: a.tag,
    senders: a.senders + b.senders,
    seconds: Math.max(a.seconds, b.seconds),
    sent: a.sent + b.sent,
    acked: a.acked + b.acked,
    failed: a.failed + b.failed,
    unsettled: a.unsettled + b.unsettled,
    retried: a.retried + b.retried,
    errorAcks: addCounts(a.errorAcks, b.errorAcks),
    interrupted: {
      timeout: a.interrupted.timeout + b.interrupted.timeout,
      disconnect: a.interrupted.disconnect + b.interrupted.disconnect,
    },
  };
}

function addViews(a: ViewCheck, b: ViewCheck): ViewCheck {
  return {
    behind: a.behind + b.behind,
    lacking: a.lacking + b.lacking,
    foreign: a.foreign + b.foreign,
    conflicts: a.conflicts + b.conflicts,
    problems: [...a.problems, ...b.problems].slice(0, 10),
    counters: a.counters,
  };
}

async function statusOf(generators: GeneratorProcess[]): Promise<GeneratorStatus> {
  const all = await Promise.all(generators.map((g) => g.call('status', undefined)));
  return {
    clients: all.reduce((sum, s) => sum + s.clients, 0),
    connected: all.reduce((sum, s) => sum + s.connected, 0),
    spread: addCounts(...all.map((s) => s.spread)),
    connectErrors: addCounts(...all.map((s) => s.connectErrors)),
    affected: all.reduce((sum, s) => sum + s.affected, 0),
    back: all.reduce((sum, s) => sum + s.back, 0),
    loopDelay: { p99: Math.max(...all.map((s) => s.loopDelay.p99)), max: Math.max(...all.map((s) => s.loopDelay.max)) },
  };
}

/** Every process whose CPU and memory the run accounts for, found anew each time (a supervisor may have restarted one). */
function processLister(cluster: TestCluster, generators: GeneratorProcess[]) {
  const { supervisor, replicas } = cluster.cluster;
  const redisPort = new URL(cluster.redisUrl).port;
  let dbPid: number | undefined;
  return async (): Promise<ProcRef[]> => {
    dbPid ??= await mariadbPid(cluster.db);
    const refs: (ProcRef | undefined)[] = [
      ...replicas.map((r) => ref('gateways', r.name, supervisor.pid(r.name))),
      ref('worker', 'worker', supervisor.pid('worker')),
      ...nginxProcs(supervisor.pid('nginx')),
      // startTestCluster spawns its private redis-server from this process.
      ...childrenOf(process.pid)
        .filter((pid) => cmdline(pid).includes('redis-server') && cmdline(pid).includes(`:${redisPort}`))
        .map((pid) => ref('redis', 'redis-server', pid)),
      ...generators.map((g) => ref('generators', g.name, g.pid)),
      ref('mariadb', 'mariadbd (shared)', dbPid),
    ];
    return refs.filter((r): r is ProcRef => r !== undefined);
  };
}

function ref(group: string, name: string, pid: number | undefined): ProcRef | undefined {
  return pid ? { group, name, pid } : undefined;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

async function measureCpu(procs: () => Promise<ProcRef[]>, windowMs: number): Promise<CpuUsage> {
  const meter = new CpuMeter(procs);
  await meter.prepare();
  meter.start();
  await sleep(windowMs);
  return meter.stop();
}

/** Cores per group over the window; the driver (this process) is `driver`. */
function coresByGroup(usage: CpuUsage): Record<string, number> {
  const cores: Record<string, number> = {};
  for (const { ref: r, seconds: s } of usage.byProc) cores[r.group] = (cores[r.group] ?? 0) + s / usage.wallSeconds;
  cores.driver = usage.generator / usage.wallSeconds;
  return cores;
}

async function groupRss(procs: () => Promise<ProcRef[]>): Promise<Record<string, number>> {
  const refs = (await procs()).filter((r) => r.group !== 'mariadb');
  const groups = [...new Set(refs.map((r) => r.group))];
  const rss: Record<string, number> = {};
  for (const group of groups)
    rss[group] = await averageRss(
      refs.filter((r) => r.group === group).map((r) => r.pid),
      5,
    );
  return rss;
}

/** Open descriptors of each nginx worker, halved: two per proxied WebSocket. */
function nginxWorkerConnections(cluster: TestCluster): number[] {
  const master = cluster.cluster.supervisor.pid('nginx');
  if (!master) return [];
  return childrenOf(master).map((pid) => {
    try {
      return Math.round(readdirSync(`/proc/${pid}/fd`).length / 2);
    } catch {
      return 0;
    }
  });
}

/** This run's database on the shared server, for the generator processes' own pools. */
async function databaseUrlOf(cluster: TestCluster): Promise<string> {
  const [rows] = await cluster.db.query<RowDataPacket[]>('SELECT DATABASE() AS name');
  // The server startTestCluster creates its databases on (its default, or TEST_MYSQL_URL).
  return `${process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'}/${String(rows[0]?.name)}`;
}

function inSeconds(summary: LatencySummary): LatencySummary {
  return { count: summary.count, p50: summary.p50 / 1000, p95: summary.p95 / 1000, p99: summary.p99 / 1000, max: summary.max / 1000 };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const fmt = (value: number | undefined, digits = 1) => (value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits));
const int = (value: number | undefined) =>
  value === undefined || !Number.isFinite(value) ? '–' : Math.round(value).toLocaleString('en-US');

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...cells.slice(1).map(line)].join('\n');
}

function render(f: Figures): string {
  const o = f.options;
  const lines: string[] = [
    '',
    `Connection-scale run: ${int(o.connections)} sockets (rooms of ${o.roomSize}), ${o.replicas} replicas, ${o.generators} generator processes, nginx ${o.nginxWorkers} workers`,
    `Machine: ${f.machine.cpu}, ${f.machine.cores} cores, ${f.machine.memoryGiB} GiB, Node ${f.machine.node}; load ${f.machine.loadBefore.map((l) => l.toFixed(2)).join(' / ')} before, ${f.machine.loadAfter?.map((l) => l.toFixed(2)).join(' / ') ?? '–'} after`,
    `Set-up: cluster ${fmt(f.setup.clusterSeconds)} s; users and rooms ${fmt(f.setup.populateSeconds)} s; sockets opened in ${fmt(f.setup.openSeconds)} s (${int(f.setup.openPerSecond)}/s, CONNECT_RATE_PER_SECOND ${o.connectRate} per replica, CPU ${coresCell(f.setup.rampCores)} cores); connect errors during the ramp: ${listCounts(f.setup.rampConnectErrors) || 'none'}; nginx connections per worker: ${f.setup.nginxConnectionsPerWorker.join(', ') || '–'}`,
    '',
  ];
  if (f.replicas.length) {
    const total = f.replicas.reduce((sum, r) => sum + r.socketsReady, 0);
    lines.push(
      table(
        [
          'replica',
          'sockets (gauge)',
          'sockets (ready)',
          'RSS before MiB',
          `RSS with sockets MiB`,
          'KiB / socket',
          'idle CPU % core',
          'idle % core / 1,000 sockets',
        ],
        [
          ...f.replicas.map((r) => [
            r.name,
            int(r.socketsGauge),
            int(r.socketsReady),
            fmt(r.rssBeforeMiB),
            fmt(r.rssAfterMiB),
            fmt(r.kibPerSocket),
            fmt(100 * r.idleCpuCores, 2),
            fmt(r.idleCorePercentPer1000, 3),
          ]),
          [
            'all',
            int(f.replicas.reduce((sum, r) => sum + (r.socketsGauge ?? 0), 0)),
            int(total),
            fmt(f.replicas.reduce((sum, r) => sum + r.rssBeforeMiB, 0)),
            fmt(f.replicas.reduce((sum, r) => sum + r.rssAfterMiB, 0)),
            fmt((1024 * f.replicas.reduce((sum, r) => sum + r.rssAfterMiB - r.rssBeforeMiB, 0)) / total),
            fmt(100 * f.replicas.reduce((sum, r) => sum + r.idleCpuCores, 0), 2),
            fmt((100 * f.replicas.reduce((sum, r) => sum + r.idleCpuCores, 0)) / (total / 1000), 3),
          ],
        ],
      ),
      '',
    );
  }
  if (f.idle) {
    const groups = Object.keys(f.idle.cores).sort();
    lines.push(
      `Idle window ${fmt(f.idle.seconds)} s (only heartbeats, presence refreshes, revocation sweeps), machine ${fmt(f.idle.machineCores, 2)} cores busy:`,
      table(
        ['process group', 'CPU % core', '% core / 1,000 sockets', 'RSS before MiB', 'RSS with sockets MiB'],
        groups.map((g) => [
          g,
          fmt(100 * f.idle!.cores[g], 2),
          fmt(f.idle!.corePercentPer1000[g], 3),
          fmt(f.idle!.rssMiB[g]?.before),
          fmt(f.idle!.rssMiB[g]?.after),
        ]),
      ),
      '',
    );
  }
  if (f.mix) {
    const m = f.mix;
    lines.push(
      `Message mix ${fmt(m.seconds)} s: ${int(m.senders)} senders × ${o.mixRate} msg/s (${fmt(o.mixShare * 100, 1)} % of the sockets, ${fmt(o.observerShare * 100, 0)} % of the observer's ${int(o.observers)}), rooms of ${o.roomSize}; CPU ${coresCell(m.cores)} cores`,
      table(
        [
          'sent',
          'acked',
          'failed',
          'unsettled',
          'retried',
          'deliveries',
          'lost deliveries',
          'duplicate deliveries',
          'latency p50 / p95 / p99 / max ms',
        ],
        [
          [
            int(m.sent),
            int(m.acked),
            m.failed,
            m.unsettled,
            m.retried,
            int(m.deliveries),
            m.lostDeliveries,
            m.duplicateDeliveries,
            latencyCell(m.latency),
          ],
        ],
      ),
      '',
    );
  }
  if (f.storm) {
    const s = f.storm;
    lines.push(
      `Reconnect storm: ${s.victim} SIGKILL with ${int(s.affected)} sockets under the mix (${int(s.senders)} senders), kept down; CPU until all back ${coresCell(s.cores)} cores`,
      table(
        ['all back in', 'ready p50 / p99 / max s', 'resumed max s', 'server_busy', 'other connect errors', 'landed on'],
        [
          [
            s.allBackSeconds !== undefined ? `${fmt(s.allBackSeconds)} s` : `not all (${int(s.back)} of ${int(s.affected)})`,
            `${fmt(s.readySeconds.p50)} / ${fmt(s.readySeconds.p99)} / ${fmt(s.readySeconds.max)}`,
            fmt(s.resumedSeconds.max),
            int(s.serverBusy),
            listCounts(s.otherConnectErrors) || '0',
            listCounts(s.landedOn),
          ],
        ],
      ),
      '',
      table(
        [
          `survivors p99 < ${LATENCY_TARGET_MS} ms`,
          'survivors (observer) p50 / p99 / max ms',
          'survivors (all processes) p50 / p99 / max ms',
          'every delivery p50 / p99 ms',
          'gateway loop delay max ms',
          'generator loop delay max ms',
          'acked',
          'retried',
          'missing in MySQL',
          'dup rows',
          'views behind',
        ],
        [
          [
            s.survivorsTargetHolds ? 'holds' : '**no**',
            summaryCell(s.observedSurvivorsLatency),
            summaryCell(s.survivorsLatency),
            `${fmt(s.stormLatency.p50)} / ${fmt(s.stormLatency.p99)}`,
            listCounts(Object.fromEntries(Object.entries(s.gatewayLoopDelayMaxMs).map(([k, v]) => [k, Math.round(v)]))),
            fmt(s.generatorLoopDelayMs.max, 0),
            int(s.acked),
            s.retried,
            s.stored.missing,
            s.stored.duplicates,
            s.views.behind,
          ],
        ],
      ),
      '',
      'Storm timeline (clients back, connect errors since the kill, each survivor: sockets / worst event-loop delay ms / refusals):',
      table(
        ['s', 'back', 'connect errors', ...Object.keys(s.timeline[0]?.replicas ?? {})],
        s.timeline
          .filter((_, i) => i % 5 === 0 || i === s.timeline.length - 1)
          .map((t) => [
            fmt(t.seconds),
            int(t.back),
            listCounts(t.connectErrors) || '0',
            ...Object.values(t.replicas).map((r) => `${int(r.sockets)} / ${fmt(r.loopDelayMaxMs, 0)} / ${int(r.refused)}`),
          ]),
      ),
      '',
    );
  }
  lines.push(f.problems.length ? `Problems:\n${f.problems.map((p) => `- ${p}`).join('\n')}` : 'No problem found.');
  return lines.join('\n');
}

function coresCell(cores: Record<string, number>): string {
  return Object.entries(cores)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([group, c]) => `${group} ${fmt(c, 2)}`)
    .join(', ');
}

function summaryCell(l: LatencySummary): string {
  return `${fmt(l.p50)} / ${fmt(l.p99)} / ${fmt(l.max, 0)} (${int(l.count)})`;
}

function latencyCell(l: LatencySummary): string {
  return `${fmt(l.p50)} / ${fmt(l.p95)} / ${fmt(l.p99)} / ${fmt(l.max, 0)}`;
}

void main();
