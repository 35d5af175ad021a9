import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import type { IdleMemory } from './generator';
import { cpuByGroup } from './process-stats';
import { describeSystem, REDIS_ROLES, type SystemName } from './targets';
import { CRITERIA, type RedisRoleFigures, type StepReport } from './verdict';

export interface SystemReport {
  system: SystemName;
  steps: StepReport[];
  /** The highest passing rate (msg/s); undefined if none passed. */
  maxSustainable?: number;
  /** Why the ramp ended. */
  stoppedBy: string;
  memory?: IdleMemory;
  setupSeconds: number;
  error?: string;
}

export interface MachineFacts {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  redis: string;
  nginx: string;
  mariadb: string;
}

export interface RunReport {
  machine: MachineFacts;
  command: string;
  startedAt: Date;
  durationSeconds: number;
  loadBefore: number[];
  loadAfter: number[];
  target: string;
  replicas: number;
  rooms: number;
  members: number;
  warmupSeconds: number;
  measureSeconds: number;
  quick: boolean;
  systems: SystemReport[];
  notes: string[];
}

const GROUPS = ['gateways', 'worker', 'redis', 'mariadb', 'nginx', 'generator'] as const;

export function machineFacts(): MachineFacts {
  const cpuinfo = safe(() => readFileSync('/proc/cpuinfo', 'utf8'));
  return {
    cpuModel: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    node: process.version,
    redis: /v=(\S+)/.exec(command('redis-server', ['--version']))?.[1] ?? 'unknown',
    nginx: /nginx\/(\S+)/.exec(command('nginx', ['-v']))?.[1] ?? 'unknown',
    mariadb: /Ver (\S+)/.exec(command('mariadbd', ['--version']))?.[1] ?? 'unknown',
  };
}

export function renderReport(run: RunReport): string {
  return [
    '# Benchmarks',
    '',
    `The latest \`npm run bench\` report (${run.quick ? 'a `--quick` smoke run' : 'a full run'}), written by \`test/src/bench/report.ts\`. Re-run it to refresh this file; numbers from a shared or busy machine are only comparable within one run.`,
    '',
    ...machineSection(run),
    ...methodSection(run),
    ...summarySection(run),
    ...targetsSection(run),
    ...run.systems.flatMap(stepsSection),
    ...cpuSection(run),
    ...redisSection(run),
    ...bottleneckSection(run),
    ...(run.notes.length > 0 ? ['## Notes', '', ...run.notes.map((n) => `- ${n}`), ''] : []),
  ].join('\n');
}

function machineSection(run: RunReport): string[] {
  const m = run.machine;
  return [
    '## Machine and command',
    '',
    `- CPU: ${m.cpuModel}, ${m.cores} cores; ${m.memoryGiB} GiB RAM; Linux ${m.kernel}`,
    `- Node ${m.node}, Redis ${m.redis}, nginx ${m.nginx}, MariaDB ${m.mariadb}`,
    `- Load average (1/5/15 min) before the run: ${fmtLoad(run.loadBefore)}; after: ${fmtLoad(run.loadAfter)}`,
    `- Started ${run.startedAt.toISOString()}, took ${Math.round(run.durationSeconds)} s`,
    `- Command: \`${run.command}\``,
    '',
  ];
}

function methodSection(run: RunReport): string[] {
  return [
    '## Method',
    '',
    `- Shape: ${run.rooms} rooms × ${run.members} members = ${run.rooms * run.members} users, one socket each, every socket joined to its room; a message is delivered to all ${run.members} members (the sender included), so deliveries/s ≈ ${run.members} × msg/s. Senders take turns round-robin across rooms, so each user sends rate / ${run.rooms * run.members} msg/s, within the default limit of 10/s (burst 20).`,
    `- Clients: one Node process (socket.io-client, WebSocket transport only), connecting through ${run.target}. Every system but \`ceiling-direct\` is reached the same way: through nginx rendered by \`renderNginxConf\` (least_conn for new connections), ${run.replicas} server processes behind it; \`ceiling-direct\` is the same ${run.replicas} ceiling processes with no load balancer, socket i connecting to process i mod ${run.replicas}.`,
    '- Redis: every system starts its own redis-servers with the flags the project starts Redis with (AOF everysec, noeviction). The cluster systems get one per role (`REDIS_PUBSUB_URL`, `REDIS_QUEUE_URL`, `REDIS_STATE_URL`), the ceilings one (pub/sub). Commands and Redis CPU per message are `INFO commandstats` / `INFO cpu` deltas from before the step’s warm-up to after its settle wait, divided by the messages sent in it; the totals are summed over the roles. A server’s CPU includes its background work (serverCron, the AOF’s fsync), a fixed cost per second that weighs more at low rates, and three times over for the three role servers.',
    '- MariaDB CPU per message: the shared MariaDB server’s utime+stime over the measured window, divided by the messages sent in the window; everyone’s queries on that server count, not only this system’s.',
    `- Before the ramp, a few seconds of unmeasured traffic at half the first rate warm up JIT, pools and caches. Each step: ${run.warmupSeconds} s warm-up, ${run.measureSeconds} s measured, then a bounded wait for outstanding acks and deliveries and, for the cluster systems, for MySQL to hold every acked message (\`COUNT(*)\` of the run's chat rows).`,
    `- A step passes if send→receive p99 < ${CRITERIA.p99Ms} ms, missing deliveries < ${CRITERIA.missingRatio * 100} %, no duplicate, no send error and every acked message is in MySQL. The max sustainable rate is the highest passing step; the ramp stops at the first failing one (if that is the very first rate, it halves the rate until one passes), then bisects twice between the last pass and the first failure (\`refine\`); before a step that follows a failure, it waits for the servers to go quiet. For the cluster, one more step at half its max measures the persistence lag (\`half-max\`).`,
    '- Latency is measured in the generator (send timestamp → `message` event), so it includes the generator’s own queueing. Persistence lag is the worker’s `chat_persistence_lag_seconds` histogram (message accepted → row committed), bucketed, read as a delta over the step. CPU is utime+stime from /proc over the measured window; “machine” is every process on the host, other people’s included.',
    `- Memory per idle connection: the server processes’ summed RSS (10 samples, 200 ms apart) before and after opening ${run.systems.find((s) => s.memory)?.memory?.sockets ?? 1000} idle sockets (authenticated, in no room), divided by their number.`,
    '',
  ];
}

function summarySection(run: RunReport): string[] {
  const rows = run.systems.map((s) => {
    const max = maxStep(s);
    return [
      s.system,
      s.error ? 'failed (see its steps)' : s.maxSustainable !== undefined ? `${int(s.maxSustainable)}` : `< ${int(s.steps[0]?.rate ?? 0)}`,
      max ? int(max.deliveriesPerSecond) : '–',
      max ? `${ms(max.latency.p50)} / ${ms(max.latency.p95)} / ${ms(max.latency.p99)}` : '–',
      max ? `${ms(max.ack.p50)} / ${ms(max.ack.p99)}` : '–',
      s.memory ? perConnection(s.memory.perConnectionBytes) : '–',
      s.stoppedBy,
    ];
  });
  return [
    '## Summary',
    '',
    table(
      [
        'system',
        'max sustainable msg/s',
        'deliveries/s at max',
        'latency p50 / p95 / p99 ms at max',
        'ack p50 / p99 ms at max',
        'memory / idle conn',
        'ramp ended',
      ],
      rows,
    ),
    '',
    ...run.systems.map(
      (s) => `- **${s.system}**: ${describeSystem[s.system]}; set-up (start, users, rooms, sockets) took ${Math.round(s.setupSeconds)} s.`,
    ),
    '',
  ];
}

interface TargetCheck {
  target: string;
  measured: string;
  holds: boolean | undefined;
  /** A comparison to read, with no target to hold (ceiling vs ceiling-direct: what the load balancer costs). */
  reference?: boolean;
}

export function targetChecks(run: RunReport): TargetCheck[] {
  const get = (name: SystemName) => run.systems.find((s) => s.system === name);
  const cluster = get('cluster');
  const ceiling = get('ceiling');
  const direct = get('ceiling-direct');
  const naive = get('naive');
  const checks: TargetCheck[] = [];
  // A negative memory figure is noise (see perConnection), not a ratio to judge.
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined && a >= 0 && b > 0 ? a / b : undefined);

  const vsCeiling = ratio(cluster?.maxSustainable, ceiling?.maxSustainable);
  checks.push({
    target: 'max sustainable ≥ 0.5 × ceiling',
    measured:
      vsCeiling === undefined
        ? 'n/a'
        : `${vsCeiling.toFixed(2)} × (${int(cluster?.maxSustainable)} vs ${int(ceiling?.maxSustainable)} msg/s)`,
    holds: vsCeiling === undefined ? undefined : vsCeiling >= 0.5,
  });
  const vsNaive = ratio(cluster?.maxSustainable, naive?.maxSustainable);
  checks.push({
    target: 'max sustainable ≥ 20 × naive',
    measured:
      vsNaive === undefined ? 'n/a' : `${vsNaive.toFixed(1)} × (${int(cluster?.maxSustainable)} vs ${int(naive?.maxSustainable)} msg/s)`,
    holds: vsNaive === undefined ? undefined : vsNaive >= 20,
  });
  const c1000 = at1000(cluster);
  const k1000 = at1000(ceiling);
  const neverReached = !c1000 && cluster?.maxSustainable !== undefined && cluster.maxSustainable < 1000 && k1000 !== undefined;
  checks.push({
    target: 'p99 at 1,000 msg/s ≤ 2 × ceiling’s p99 at 1,000 msg/s',
    measured:
      c1000 && k1000
        ? `${ms(c1000.latency.p99)} ms vs ${ms(k1000.latency.p99)} ms (${(c1000.latency.p99 / k1000.latency.p99).toFixed(2)} ×)`
        : neverReached
          ? `the cluster does not sustain 1,000 msg/s (max ${int(cluster.maxSustainable)}); the ceiling’s p99 there is ${ms(k1000.latency.p99)} ms`
          : 'n/a (no 1,000 msg/s step in both)',
    holds: c1000 && k1000 ? c1000.latency.p99 <= 2 * k1000.latency.p99 : neverReached ? false : undefined,
  });
  const half = cluster?.steps.find((s) => s.purpose === 'half-max');
  checks.push({
    target: 'persistence lag p99 < 1 s at half the max rate',
    measured: half?.lag
      ? `p99 ≈ ${seconds(half.lag.p99)} at ${int(half.rate)} msg/s (${(half.lag.withinOneSecond * 100).toFixed(2)} % within 1 s; every row in MySQL ${half.persisted.drainMs !== undefined ? `${seconds(half.persisted.drainMs / 1000)} after the last send` : 'not in time'})`
      : 'n/a',
    holds: half?.lag ? half.lag.withinOneSecond >= 0.99 : undefined,
  });
  const mem = ratio(cluster?.memory?.perConnectionBytes, ceiling?.memory?.perConnectionBytes);
  checks.push({
    target: 'memory per idle connection ≤ 1.2 × ceiling’s',
    measured:
      mem === undefined
        ? 'n/a'
        : `${mem.toFixed(2)} × (${kib(cluster?.memory?.perConnectionBytes)} vs ${kib(ceiling?.memory?.perConnectionBytes)})`,
    holds: mem === undefined ? undefined : mem <= 1.2,
  });
  if (direct) checks.push(...directChecks(cluster, ceiling, direct, ratio));
  return checks;
}

/**
 * ceiling-direct next to the two systems behind nginx: what the load balancer costs the ceiling
 * (rate, latency, CPU), and where the cluster stands against a ceiling without one. References
 * only: the targets above compare like with like (both behind nginx).
 */
function directChecks(
  cluster: SystemReport | undefined,
  ceiling: SystemReport | undefined,
  direct: SystemReport,
  ratio: (a?: number, b?: number) => number | undefined,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const vsDirect = (name: string, s: SystemReport | undefined) => {
    const r = ratio(s?.maxSustainable, direct.maxSustainable);
    checks.push({
      target: `${name} max sustainable vs ceiling-direct’s`,
      measured: r === undefined ? 'n/a' : `${r.toFixed(2)} × (${int(s?.maxSustainable)} vs ${int(direct.maxSustainable)} msg/s)`,
      holds: undefined,
      reference: true,
    });
  };
  if (ceiling) vsDirect('ceiling (behind nginx)', ceiling);
  if (cluster) vsDirect('cluster', cluster);
  const k1000 = at1000(ceiling);
  const d1000 = at1000(direct);
  if (ceiling) {
    checks.push({
      target: 'ceiling’s p99 at 1,000 msg/s vs ceiling-direct’s',
      measured:
        k1000 && d1000
          ? `${ms(k1000.latency.p99)} ms vs ${ms(d1000.latency.p99)} ms (${(k1000.latency.p99 / d1000.latency.p99).toFixed(2)} ×)`
          : 'n/a (no 1,000 msg/s step in both)',
      holds: undefined,
      reference: true,
    });
    checks.push({
      target: 'server-side CPU at 1,000 msg/s: ceiling vs ceiling-direct',
      measured:
        k1000 && d1000
          ? `${serverCores(k1000).toFixed(2)} vs ${serverCores(d1000).toFixed(2)} cores (of which nginx ${groupCores(k1000, 'nginx').toFixed(2)})`
          : 'n/a (no 1,000 msg/s step in both)',
      holds: undefined,
      reference: true,
    });
  }
  return checks;
}

/** A system's ramp step at 1,000 msg/s, if it ran one. */
function at1000(s?: SystemReport): StepReport | undefined {
  return s?.steps.find((step) => step.rate === 1000 && step.purpose !== 'half-max');
}

/** Cores busy in a process group over the step's window. */
function groupCores(step: StepReport, group: string): number {
  return (cpuByGroup(step.cpu).get(group) ?? 0) / Math.max(step.cpu.wallSeconds, 1e-3);
}

/** The system's own processes, the generator and the shared MariaDB left out. */
function serverCores(step: StepReport): number {
  return (
    [...cpuByGroup(step.cpu)]
      .filter(([group]) => group !== 'generator' && group !== 'mariadb')
      .reduce((sum, [, seconds]) => sum + seconds, 0) / Math.max(step.cpu.wallSeconds, 1e-3)
  );
}

function targetsSection(run: RunReport): string[] {
  const checks = targetChecks(run);
  return [
    '## Ratios and targets',
    '',
    table(
      ['target', 'measured', 'holds'],
      checks.map((c) => [c.target, c.measured, c.reference ? 'reference' : c.holds === undefined ? '–' : c.holds ? 'yes' : '**no**']),
    ),
    '',
    ...(checks.some((c) => c.reference)
      ? ['Rows marked `reference` have no target: they say what the load balancer costs (ceiling vs ceiling-direct).', '']
      : []),
  ];
}

/**
 * What Redis does per message at each system's max sustainable step: its CPU and the commands it
 * ran, most first, in total and, for a system with one Redis per role, per role.
 */
function redisSection(run: RunReport): string[] {
  const lines = run.systems.flatMap((s) => {
    const passing = s.steps.filter((st) => st.pass && st.redisTopCommands);
    const step = passing.reduce<(typeof passing)[number] | undefined>((best, st) => (!best || st.rate > best.rate ? st : best), undefined);
    if (!step?.redisTopCommands) return [];
    const roles = step.redisByRole ?? [];
    const oneRole = roles.length === 1 ? ` (one Redis, the ${roles[0]?.role} role)` : '';
    const head = `- **${s.system}** @ ${int(step.rate)} msg/s${oneRole}: ${redisLine({
      commandsPerMessage: step.redisCommandsPerMessage,
      cpuMicrosPerMessage: step.redisCpuMicrosPerMessage,
      topCommands: step.redisTopCommands,
    })}`;
    return [head, ...(roles.length > 1 ? roles.map((r) => `  - ${r.role}: ${redisLine(r)}`) : [])];
  });
  return lines.length > 0
    ? [
        '## Redis per message',
        '',
        'From `INFO commandstats` and `INFO cpu` deltas over the step (a script counts once as EVALSHA and once per command it runs), in total and, for the cluster systems, per role (pubsub, queue, state: one redis-server each).',
        '',
        ...lines,
        '',
      ]
    : [];
}

function redisLine(figures: Omit<RedisRoleFigures, 'role'>): string {
  const top = (figures.topCommands ?? []).slice(0, 12).map(([command, n]) => `${command} ${n.toFixed(2)}`);
  const cpu = figures.cpuMicrosPerMessage === undefined ? '' : `, ${figures.cpuMicrosPerMessage.toFixed(0)} µs of Redis CPU`;
  return `${(figures.commandsPerMessage ?? 0).toFixed(1)} commands${cpu} per message${top.length > 0 ? `: ${top.join(', ')}` : ''}`;
}

/** "0.9 / 3.1 / 8.2": a figure per role, pubsub / queue / state, `–` for a role the system does not have. */
function perRole(step: StepReport, pick: (r: RedisRoleFigures) => number | undefined, digits: number): string {
  if (!step.redisByRole) return '–';
  return REDIS_ROLES.map((role) => {
    const figure = step.redisByRole?.find((r) => r.role === role);
    const value = figure ? pick(figure) : undefined;
    return value === undefined ? '–' : value.toFixed(digits);
  }).join(' / ');
}

function stepsSection(s: SystemReport): string[] {
  const rows = s.steps.map((step) => [
    `${int(step.rate)}${step.purpose === 'ramp' ? '' : ` (${step.purpose})`}`,
    int(step.sentRate),
    int(step.deliveriesPerSecond),
    `${ms(step.latency.p50)} / ${ms(step.latency.p95)} / ${ms(step.latency.p99)}`,
    `${ms(step.ack.p50)} / ${ms(step.ack.p99)}`,
    `${((step.expected > 0 ? step.missing / step.expected : 0) * 100).toFixed(3)} %`,
    String(step.duplicates),
    persistCell(step),
    step.lag ? `${seconds(step.lag.p50)} / ${seconds(step.lag.p99)}` : '–',
    step.dbQueriesPerMessage !== undefined ? step.dbQueriesPerMessage.toFixed(2) : '–',
    step.redisCommandsPerMessage !== undefined ? step.redisCommandsPerMessage.toFixed(1) : '–',
    step.redisCpuMicrosPerMessage !== undefined ? step.redisCpuMicrosPerMessage.toFixed(0) : '–',
    perRole(step, (r) => r.commandsPerMessage, 1),
    perRole(step, (r) => r.cpuMicrosPerMessage, 0),
    step.mariadbCpuMicrosPerMessage !== undefined ? step.mariadbCpuMicrosPerMessage.toFixed(0) : '–',
    `${(step.cpu.generator / step.cpu.wallSeconds).toFixed(2)}${step.generatorBound ? ' ⚠' : ''}`,
    `${ourCores(step).toFixed(2)} / ${step.cpu.machineCores.toFixed(2)}`,
    step.pass ? 'pass' : `**fail**: ${step.failures.join('; ')}`,
  ]);
  return [
    `## Steps: ${s.system}`,
    '',
    ...(s.error ? [`The run of this system failed: ${s.error}`, ''] : []),
    ...(rows.length === 0 ? [] : [stepsTable(rows), '']),
  ];
}

function stepsTable(rows: string[][]): string {
  return table(
    [
      'msg/s',
      'sent/s',
      'deliveries/s',
      'latency p50 / p95 / p99 ms',
      'ack p50 / p99 ms',
      'missing',
      'dup',
      'in MySQL',
      'persist lag p50 / p99',
      'gateway SQL / msg',
      'Redis cmds / msg',
      'Redis CPU µs / msg',
      'Redis cmds / msg pubsub / queue / state',
      'Redis CPU µs / msg pubsub / queue / state',
      'MariaDB CPU µs / msg (shared)',
      'generator cores',
      'cores ours / machine',
      'verdict',
    ],
    rows,
  );
}

function persistCell(step: StepReport): string {
  if (!step.persisted.checked) return '–';
  if (!step.persisted.ok) return `**${step.persisted.missingRows} missing**`;
  return `all (${seconds((step.persisted.drainMs ?? 0) / 1000)})`;
}

function cpuSection(run: RunReport): string[] {
  const rows: string[][] = [];
  for (const s of run.systems) {
    const step = maxStep(s);
    if (!step || step.deliveriesPerSecond <= 0) continue;
    const groups = cpuByGroup(step.cpu);
    const deliveries = (step.deliveriesPerSecond * step.cpu.wallSeconds) / 1000;
    const cell = (g: string) =>
      groups.has(g)
        ? `${(((groups.get(g) ?? 0) * 1000) / deliveries).toFixed(1)} (${((groups.get(g) ?? 0) / step.cpu.wallSeconds).toFixed(2)})`
        : '–';
    const total = [...groups.values()].reduce((a, b) => a + b, 0);
    rows.push([
      `${s.system} @ ${int(step.rate)} msg/s`,
      ...GROUPS.map(cell),
      `${((total * 1000) / deliveries).toFixed(1)} (${(total / step.cpu.wallSeconds).toFixed(2)})`,
    ]);
  }
  return [
    '## CPU per 1,000 deliveries',
    '',
    'CPU milliseconds per 1,000 deliveries at each system’s max sustainable step, per process group (in parentheses: cores busy). `gateways` are the ceiling-server processes for the ceilings; `redis` is every Redis of the system (the three role servers for the cluster systems); `mariadb` is the shared server, so other suites’ queries land in it too.',
    '',
    table(['system', ...GROUPS, 'total'], rows),
    '',
  ];
}

/** Where the time went at the step where each system stopped: the busiest process group, and whether the host or the generator was the limit. */
function bottleneckSection(run: RunReport): string[] {
  const lines: string[] = [];
  for (const s of run.systems) {
    if (s.error) lines.push(`- **${s.system}**: the run failed: ${s.error}.`);
    // The lowest failing rate is the one closest to the limit.
    const failed = s.steps.filter((step) => !step.pass && step.purpose !== 'half-max').sort((a, b) => a.rate - b.rate)[0];
    const step = failed ?? s.steps.at(-1);
    if (!step) continue;
    const groups = [...cpuByGroup(step.cpu)].sort((a, b) => b[1] - a[1]);
    const busiest = groups
      .slice(0, 3)
      .map(([g, sec]) => `${g} ${(sec / step.cpu.wallSeconds).toFixed(2)} cores`)
      .join(', ');
    const saturated = step.cpu.machineCores >= 0.9 * run.machine.cores;
    lines.push(
      `- **${s.system}** at ${int(step.rate)} msg/s (${failed ? `failed: ${failed.failures.join('; ')}` : 'last step, passed'}): busiest ${busiest}; the machine was ${saturated ? '**CPU-saturated**' : 'not saturated'} (${step.cpu.machineCores.toFixed(2)} of ${run.machine.cores} cores, ours ${ourCores(step).toFixed(2)}).${step.generatorBound ? ' **The generator was the bottleneck at this step** (a core’s worth of CPU, or it could not send at the rate asked): this system’s max is a lower bound.' : ''}`,
    );
  }
  return lines.length > 0 ? ['## Where the time goes', '', ...lines, ''] : [];
}

function ourCores(step: StepReport): number {
  return [...cpuByGroup(step.cpu).values()].reduce((a, b) => a + b, 0) / Math.max(step.cpu.wallSeconds, 1e-3);
}

function maxStep(s: SystemReport): StepReport | undefined {
  return s.steps.find((step) => step.pass && step.rate === s.maxSustainable && step.purpose !== 'half-max');
}

export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Both streams: `nginx -v` prints its version on stderr. */
function command(binary: string, args: string[]): string {
  const result = spawnSync(binary, args, { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}

function safe(read: () => string): string {
  try {
    return read();
  } catch {
    return '';
  }
}

const int = (n: number | undefined) => (n === undefined || !Number.isFinite(n) ? '–' : Math.round(n).toLocaleString('en-US'));
const ms = (n: number) => (!Number.isFinite(n) ? '–' : n < 10 ? n.toFixed(1) : String(Math.round(n)));
const seconds = (n: number) => (!Number.isFinite(n) ? '–' : n < 1 ? `${Math.round(n * 1000)} ms` : `${n.toFixed(2)} s`);
const kib = (bytes: number | undefined) => (bytes === undefined ? '–' : `${(bytes / 1024).toFixed(1)} KiB`);
/** RSS can shrink while sockets open (a GC returning pages); with few sockets that swamps the figure. */
const perConnection = (bytes: number) => (bytes < 0 ? `below the probe's noise (${kib(bytes)})` : kib(bytes));
const fmtLoad = (load: number[]) => load.map((l) => l.toFixed(2)).join(' / ');
