// `npm run bench`: measures the cluster's max sustainable message rate next to a bare Socket.IO
// ceiling (behind nginx, and reached directly) and the naive write-then-broadcast design, on the
// same machine and the same shape, and writes the report to docs/BENCHMARKS.md. `--help` lists the options.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Fleet, measureIdleMemory } from './generator';
import { snapshot } from './metrics';
import { depopulate, populate, type Population } from './population';
import { cpuByGroup, waitQuiet } from './process-stats';
import { machineFacts, renderReport, type RunReport, type SystemReport, targetChecks } from './report';
import { externalTarget, startCeiling, startChatCluster, type SystemName, type Target } from './targets';
import { judge, type StepReport } from './verdict';

/** Per-user send rate the ramp stays under: the default limit is 10/s sustained, and timers jitter. */
const PER_USER_MAX = 9;
/** Auto ramps. The naive design starts low (a MySQL commit per message); the others start where it ends. */
const LADDER = [250, 500, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000, 10_000];
const NAIVE_LADDER = [25, 50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000];
const QUICK_LADDER = [200, 400, 800];
const QUICK_NAIVE_LADDER = [50, 100, 200];
/** Kept for the teardown of the last system, so the whole run stays inside its budget. */
const TEARDOWN_RESERVE_MS = 10_000;
/** Below this the ramp stops halving: a system that fails it has no sustainable rate worth the name. */
const MIN_RATE = 5;
/** Bisection steps between the last pass and the first failure: two narrow the max to about an eighth of the gap. */
const REFINE_STEPS = 2;
/** Our processes (the shared MariaDB aside) count as quiet under this many cores in total. */
const QUIET_CORES = 0.25;
const QUIESCE_MAX_MS = 20_000;
/** What a system costs at least (start-up, users, sockets, two steps), kept free for the systems still to run. */
const MIN_SYSTEM_MS = { quick: { ceiling: 15_000, chat: 35_000 }, full: { ceiling: 25_000, chat: 75_000 } };
const SYSTEMS: SystemName[] = ['ceiling', 'ceiling-direct', 'cluster', 'naive'];
const isCeiling = (system: SystemName) => system === 'ceiling' || system === 'ceiling-direct';

interface Options {
  url?: string;
  databaseUrl?: string;
  workerMetricsUrl?: string;
  replicas: number;
  rooms: number;
  members: number;
  rates?: number[];
  warmupSeconds: number;
  stepSeconds: number;
  settleSeconds: number;
  persistSeconds: number;
  systems: SystemName[];
  idleSockets: number;
  budgetMinutes: number;
  refine: boolean;
  quick: boolean;
  out?: string;
}

const HELP = `npm run bench -- [options]

  --url <origin>            target a running deployment instead of starting the cluster
  --database-url <url>      with --url: its MySQL, to check that every acked message is stored
  --worker-metrics-url <u>  with --url: the worker's health/metrics origin (persistence lag)
  --systems <list>          of ceiling,ceiling-direct,cluster,naive (default: all; with --url: cluster)
  --replicas <n>            gateway / ceiling processes (default 3); ceiling-direct: the
                            generator's sockets go round-robin to the ceiling processes' ports
  --rooms <n> --members <n> shape (default 100 × 10; --quick 20 × 5)
  --rates <list|auto>       e.g. 500,1000,2000 (default auto: a ramp per system)
  --step-seconds <s>        measured seconds per step (default 5; --quick 2)
  --warmup-seconds <s>      (default 2; --quick 1)
  --idle-sockets <n>        sockets for memory per idle connection (default 1000; --quick 200)
  --budget-minutes <m>      bound for the whole run (default 10; --quick 2)
  --no-refine               skip the step halfway between the last pass and the first failure
  --quick                   short smoke run (prints the report; writes it only with --out)
  --out <file>              where to write the report (default docs/BENCHMARKS.md, except --quick)
`;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      url: { type: 'string' },
      'database-url': { type: 'string' },
      'worker-metrics-url': { type: 'string' },
      systems: { type: 'string' },
      replicas: { type: 'string' },
      rooms: { type: 'string' },
      members: { type: 'string' },
      rates: { type: 'string' },
      'step-seconds': { type: 'string' },
      'warmup-seconds': { type: 'string' },
      'idle-sockets': { type: 'string' },
      'budget-minutes': { type: 'string' },
      'no-refine': { type: 'boolean' },
      quick: { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const quick = values.quick ?? false;
  const num = (value: string | undefined, fallback: number, name: string) => {
    const n = value === undefined ? fallback : Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number`);
    return n;
  };
  const systems = (values.systems ?? (values.url ? 'cluster' : SYSTEMS.join(','))).split(',').map((s) => s.trim()) as SystemName[];
  for (const s of systems) if (!SYSTEMS.includes(s)) throw new Error(`unknown system ${s} (${SYSTEMS.join(', ')})`);
  if (values.url && systems.includes('naive'))
    throw new Error('--url measures that deployment as `cluster`; naive needs a cluster started here');
  const members = num(values.members, quick ? 5 : 10, 'members');
  if (members > 101) throw new Error('--members: at most 101 (a room is created with at most 100 invitations)');
  const stepSeconds = num(values['step-seconds'], quick ? 2 : 5, 'step-seconds');
  return {
    url: values.url,
    databaseUrl: values['database-url'],
    workerMetricsUrl: values['worker-metrics-url'],
    replicas: num(values.replicas, 3, 'replicas'),
    rooms: num(values.rooms, quick ? 20 : 100, 'rooms'),
    members,
    rates: values.rates && values.rates !== 'auto' ? values.rates.split(',').map((r) => num(r, 0, 'rates')) : undefined,
    warmupSeconds: num(values['warmup-seconds'], quick ? 1 : 2, 'warmup-seconds'),
    stepSeconds,
    settleSeconds: quick ? 3 : 5,
    persistSeconds: quick ? 5 : 10,
    systems: SYSTEMS.filter((s) => systems.includes(s)),
    idleSockets: num(values['idle-sockets'], quick ? 200 : 1000, 'idle-sockets'),
    budgetMinutes: num(values['budget-minutes'], quick ? 2 : 10, 'budget-minutes'),
    refine: !(values['no-refine'] ?? quick),
    quick,
    out: values.out ?? (quick ? undefined : 'docs/BENCHMARKS.md'),
  };
}

/** Teardown that must also run on Ctrl-C: every started system registers its stop here. */
class Cleanup {
  private readonly tasks = new Set<() => Promise<void>>();
  private interrupted = false;

  add(task: () => Promise<void>): () => void {
    this.tasks.add(task);
    return () => this.tasks.delete(task);
  }

  async runAll(): Promise<void> {
    const tasks = [...this.tasks];
    this.tasks.clear();
    await Promise.all(tasks.map((task) => task().catch((error: Error) => log(`cleanup: ${error.message}`))));
  }

  /** First signal: clean up and exit; a second one exits at once. */
  trapSignals(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.interrupted) process.exit(130);
      this.interrupted = true;
      log(`${signal}: stopping every process and database this run started…`);
      void this.runAll().finally(() => process.exit(130));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

function ladderFor(system: SystemName, options: Options, cap: number): number[] {
  const auto = options.quick ? (system === 'naive' ? QUICK_NAIVE_LADDER : QUICK_LADDER) : system === 'naive' ? NAIVE_LADDER : LADDER;
  return (options.rates ?? auto).filter((rate) => rate <= cap);
}

function startTarget(system: SystemName, options: Options): Promise<Target> {
  if (system === 'ceiling' || system === 'ceiling-direct') return startCeiling(system, options.replicas);
  if (system === 'cluster' && options.url)
    return Promise.resolve(externalTarget(options.url, options.databaseUrl, options.workerMetricsUrl));
  return startChatCluster(system, options.replicas);
}

interface SystemRun {
  system: SystemName;
  options: Options;
  runId: string;
  deadline: number;
  cleanup: Cleanup;
}

async function runSystem(run: SystemRun): Promise<SystemReport> {
  const { system, options } = run;
  const startedAt = performance.now();
  const report: SystemReport = { system, steps: [], stoppedBy: 'not run', setupSeconds: 0 };
  log(
    options.url && system === 'cluster'
      ? `${system}: ${options.url}`
      : `${system}: starting ${options.replicas} replicas${isCeiling(system) ? '' : ' on three Redis servers (pubsub, queue, state)'}`,
  );
  const pending = startTarget(system, options);
  // On Ctrl-C during start-up, the system is stopped as soon as it is up.
  const release = run.cleanup.add(async () => (await pending.catch(() => undefined))?.stop());
  let target: Target | undefined;
  let fleet: Fleet | undefined;
  let population: Population | undefined;
  try {
    target = await pending;
    log(
      `${system}: up at ${target.url}; ${target.protocol === 'chat' ? `registering ${options.rooms * options.members} users in ${options.rooms} rooms` : 'no users needed'}`,
    );
    population = await populate(target, { rooms: options.rooms, members: options.members }, run.runId);
    if (target.serverPids().length > 0) {
      log(`${system}: memory per idle connection over ${options.idleSockets} sockets`);
      report.memory = await measureIdleMemory(target, population, options.idleSockets);
    }
    log(`${system}: opening ${population.members.length} sockets`);
    // Set-up may take what leaves room for two steps.
    const setupDeadline = run.deadline - 2 * stepMillis(options);
    fleet = await Fleet.open(target, population, `${run.runId}${SYSTEMS.indexOf(system)}`, options.members, setupDeadline);
    const openFleet = fleet;
    run.cleanup.add(() => Promise.resolve(openFleet.close()));
    report.setupSeconds = (performance.now() - startedAt) / 1000;
    await ramp(run, target, fleet, report);
  } catch (error) {
    report.error = (error as Error).message;
    report.stoppedBy = 'error';
    report.setupSeconds ||= (performance.now() - startedAt) / 1000;
    log(`${system}: ${report.error}`);
  } finally {
    fleet?.close();
    if (target && population && options.url && system === 'cluster') await depopulate(target, population);
    log(`${system}: stopping`);
    await target?.stop().catch((error: Error) => log(`${system}: stop: ${error.message}`));
    release();
  }
  return report;
}

/**
 * Steps up the ladder until the first failure. If even the first rate fails, halves it until a
 * rate passes (a broken system still gets a figure); then bisects between the last pass and the
 * first failure, and, for the queue design, measures persistence at half the max.
 */
async function ramp(run: SystemRun, target: Target, fleet: Fleet, report: SystemReport): Promise<void> {
  const { options } = run;
  const cap = options.rooms * options.members * PER_USER_MAX;
  const stepMs = stepMillis(options);
  const fits = () => performance.now() + stepMs < run.deadline;
  const step = async (rate: number, purpose: StepReport['purpose']) => {
    const result = await runStep(run, target, fleet, rate, purpose);
    report.steps.push(result);
    return result.pass;
  };
  let lastPass: number | undefined;
  let firstFail: number | undefined;
  const ladder = ladderFor(run.system, options, cap);
  await warmUp(run, fleet, ladder[0] ?? MIN_RATE);
  report.stoppedBy = `passed every rate up to ${ladder.at(-1)} msg/s (the shape allows ${cap})`;
  for (const rate of ladder) {
    if (!fits()) {
      report.stoppedBy = 'time budget';
      break;
    }
    if (!(await step(rate, 'ramp'))) {
      firstFail = rate;
      report.stoppedBy = `first failure at ${rate} msg/s`;
      break;
    }
    lastPass = rate;
  }
  for (let rate = Math.floor((firstFail ?? 0) / 2); lastPass === undefined && rate >= MIN_RATE && fits(); rate = Math.floor(rate / 2)) {
    await quiesce(run, target);
    if (await step(rate, 'refine')) lastPass = rate;
    else firstFail = rate;
  }
  for (let i = 0; options.refine && i < REFINE_STEPS && lastPass !== undefined && firstFail !== undefined && fits(); i++) {
    const middle = roundNice((lastPass + firstFail) / 2);
    if (middle <= lastPass || middle >= firstFail) break;
    await quiesce(run, target);
    if (await step(middle, 'refine')) lastPass = middle;
    else firstFail = middle;
  }
  report.maxSustainable = lastPass;
  if (target.persistence === 'queue' && lastPass !== undefined && fits()) {
    await quiesce(run, target);
    await step(Math.max(1, Math.round(lastPass / 2)), 'half-max');
  }
}

/** A step's usual length: warm-up, measurement and a short settle. */
function stepMillis(options: Options): number {
  return (options.warmupSeconds + options.stepSeconds + 3) * 1000;
}

/**
 * Unmeasured traffic at half the first rate before the ramp: JIT, connection pools and the
 * servers' caches (memberships, for the cluster) start warm, as they would in production.
 */
async function warmUp(run: SystemRun, fleet: Fleet, firstRate: number): Promise<void> {
  const { options } = run;
  log(`${run.system}: warming up at ${Math.ceil(firstRate / 2)} msg/s`);
  await fleet.runStep(Math.ceil(firstRate / 2), {
    warmupMs: options.warmupSeconds * 1000,
    measureMs: (options.quick ? 1 : 3) * 1000,
    settleMs: options.settleSeconds * 1000,
    persistMs: options.persistSeconds * 1000,
  });
}

/** After an overloaded step the servers may still be working off its backlog: the next step waits for them to go quiet. */
async function quiesce(run: SystemRun, target: Target): Promise<void> {
  const quiet = await waitQuiet(target.procs, ['mariadb'], QUIET_CORES, Math.min(QUIESCE_MAX_MS, run.deadline - performance.now()));
  if (!quiet) log(`${run.system}: still busy after a failed step; measuring anyway`);
}

/** Two significant digits: 1,250 → 1,300; 37.5 → 38. */
function roundNice(rate: number): number {
  const unit = 10 ** Math.max(0, Math.floor(Math.log10(rate)) - 1);
  return Math.round(rate / unit) * unit;
}

/** "gateways 0.81, worker 0.25, …": where the step's CPU went, in cores. */
function coresByGroup(step: StepReport): string {
  return [...cpuByGroup(step.cpu)].map(([group, seconds]) => `${group} ${(seconds / step.cpu.wallSeconds).toFixed(2)}`).join(', ');
}

async function runStep(run: SystemRun, target: Target, fleet: Fleet, rate: number, purpose: StepReport['purpose']): Promise<StepReport> {
  const { options } = run;
  const before = await snapshot(target);
  const result = await fleet.runStep(rate, {
    warmupMs: options.warmupSeconds * 1000,
    measureMs: options.stepSeconds * 1000,
    settleMs: options.settleSeconds * 1000,
    persistMs: options.persistSeconds * 1000,
  });
  const after = await snapshot(target);
  const step = judge(result, before, after, purpose);
  log(
    `${run.system} ${rate} msg/s${purpose === 'ramp' ? '' : ` (${purpose})`}: sent ${Math.round(step.sentRate)}/s, ` +
      `${Math.round(step.deliveriesPerSecond)} deliveries/s, p50/p99 ${step.latency.p50.toFixed(1)}/${step.latency.p99.toFixed(1)} ms, ` +
      `ack p99 ${step.ack.p99.toFixed(1)} ms, missing ${step.missing}/${step.expected}, dup ${step.duplicates}, ` +
      `generator ${(step.cpu.generator / step.cpu.wallSeconds).toFixed(2)} cores${step.generatorBound ? ' (bottleneck)' : ''}, ` +
      `machine ${step.cpu.machineCores.toFixed(2)} cores (${coresByGroup(step)}) → ${step.pass ? 'pass' : `FAIL (${step.failures.join('; ')})`}`,
  );
  return step;
}

/** The report's hand-written tail (the optimisation log), carried over from the file being replaced. */
const KEPT_HEADING = '## Optimisations and their measured effect';

function keptSection(path: string | undefined): string {
  if (!path || !existsSync(resolve(path))) return '';
  const previous = readFileSync(resolve(path), 'utf8');
  const start = previous.indexOf(KEPT_HEADING);
  return start === -1 ? '' : `\n${previous.slice(start)}`;
}

/** The repository checks every file with prettier, the report included: it is written already formatted. */
async function formatMarkdown(markdown: string, path: string | undefined): Promise<string> {
  try {
    const prettier = await import('prettier');
    const config = path ? await prettier.resolveConfig(resolve(path)) : null;
    return await prettier.format(markdown, { ...config, parser: 'markdown' });
  } catch (error) {
    log(`report left unformatted: ${(error as Error).message}`);
    return markdown;
  }
}

function notesFor(options: Options): string[] {
  const notes: string[] = [];
  const cap = options.rooms * options.members * PER_USER_MAX;
  notes.push(
    `Rates are capped at ${cap.toLocaleString('en-US')} msg/s by the shape (${PER_USER_MAX} msg/s per user, under the default per-user limit); a system that passes every rate is only known to sustain at least that.`,
  );
  if (!options.rates) {
    notes.push(
      `Auto ramp: ${(options.quick ? QUICK_LADDER : LADDER).join(', ')} msg/s for the ceilings and the cluster; ${(options.quick ? QUICK_NAIVE_LADDER : NAIVE_LADDER).join(', ')} msg/s for the naive design.`,
    );
  }
  if (options.systems.includes('ceiling-direct'))
    notes.push(
      '`ceiling-direct` runs the same ceiling-server processes as `ceiling`, on its own Redis, with no nginx: each socket connects to one server’s port (socket i to server i mod N), WebSocket only. The gap between the two ceilings is what the load balancer costs (its CPU and its hop); the cluster’s targets compare with `ceiling`, which, like the cluster, is behind nginx.',
    );
  if (options.systems.some((s) => s === 'cluster' || s === 'naive'))
    notes.push(
      'The cluster systems run on three private redis-servers, one per role (`REDIS_PUBSUB_URL`: adapter and change channels; `REDIS_QUEUE_URL`: the message stream and BullMQ; `REDIS_STATE_URL`: seqs, budgets, caches, sessions, presence), started with the flags the project starts Redis with; the ceilings have one, the pub/sub role. The `Redis cmds / msg` and `Redis CPU µs / msg` columns are their total, as in reports from before the split; the per-role columns list pubsub / queue / state.',
    );
  if (options.systems.some((s) => s === 'cluster' || s === 'naive') && !options.url)
    notes.push(
      '`MariaDB CPU µs / msg` is the CPU of the shared MariaDB server over the measured window divided by the messages sent in it: other suites’ or users’ queries on the same server count too, so it is an upper bound of what the system costs it.',
    );
  if (options.quick) notes.push('`--quick`: a smoke run with a small shape and short steps; its figures are not the benchmark.');
  if (options.url) notes.push(`The cluster was a running deployment (${options.url}): server-side CPU and memory are not measured.`);
  return notes;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const cleanup = new Cleanup();
  cleanup.trapSignals();
  const started = new Date();
  const startedAt = performance.now();
  const deadline = startedAt + options.budgetMinutes * 60_000 - TEARDOWN_RESERVE_MS;
  const loadBefore = loadavg();
  const runId = Date.now().toString(36).slice(-6);
  log(`load average ${loadBefore.map((l) => l.toFixed(2)).join(' ')}; systems ${options.systems.join(', ')}`);

  const systems: SystemReport[] = [];
  for (const [i, system] of options.systems.entries()) {
    // A system may use what the ones after it do not need at least, so none of them is starved.
    const minimum = MIN_SYSTEM_MS[options.quick ? 'quick' : 'full'];
    const reserved = options.systems.slice(i + 1).reduce((sum, s) => sum + (isCeiling(s) ? minimum.ceiling : minimum.chat), 0);
    systems.push(await runSystem({ system, options, runId, deadline: deadline - reserved, cleanup }));
  }

  const report: RunReport = {
    machine: machineFacts(),
    command: ['npm run bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    startedAt: started,
    durationSeconds: (performance.now() - startedAt) / 1000,
    loadBefore,
    loadAfter: loadavg(),
    target: options.url ? `the deployment at ${options.url}` : 'nginx on this machine',
    replicas: options.replicas,
    rooms: options.rooms,
    members: options.members,
    warmupSeconds: options.warmupSeconds,
    measureSeconds: options.stepSeconds,
    quick: options.quick,
    systems,
    notes: notesFor(options),
  };
  const markdown = await formatMarkdown(renderReport(report) + keptSection(options.out), options.out);
  process.stdout.write(`${markdown}\n`);
  if (options.out) {
    writeFileSync(resolve(options.out), markdown);
    log(`report written to ${options.out}`);
  }
  for (const check of targetChecks(report))
    log(
      `${check.reference ? 'reference' : 'target'}: ${check.target}: ${check.measured}${check.reference ? '' : ` → ${check.holds === undefined ? 'n/a' : check.holds ? 'holds' : 'does not hold'}`}`,
    );
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    log(error.stack ?? error.message);
    process.exit(1);
  },
);
