import type { StepResult } from './generator';
import { bucketCount, bucketDelta, bucketQuantile, type MetricsSnapshot, type RedisCounters, shareAtMost } from './metrics';
import { cpuByGroup } from './process-stats';
import type { RedisRole } from './targets';

/** What a step must show to count as sustainable. */
export const CRITERIA = {
  p99Ms: 250,
  missingRatio: 0.001,
} as const;

/**
 * The generator is presumed to be the limit when it keeps this much of a core busy. (Its event
 * loop utilisation is no guide on a saturated host: time spent waiting for a CPU counts as busy.)
 */
const GENERATOR_BUSY = 0.9;
/** …or when it could not even send at the rate asked for. */
const GENERATOR_SEND_SHORTFALL = 0.95;

export interface LagSummary {
  p50: number;
  p99: number;
  /** Share of messages committed within 1 s of being accepted. */
  withinOneSecond: number;
  count: number;
}

/** What one Redis (one role) did per message sent in the step. */
export interface RedisRoleFigures {
  role: RedisRole;
  commandsPerMessage?: number;
  cpuMicrosPerMessage?: number;
  /** The commands it ran most, per message sent, most first. */
  topCommands?: [command: string, perMessage: number][];
}

export interface StepReport extends StepResult {
  pass: boolean;
  failures: string[];
  generatorBound: boolean;
  lag?: LagSummary;
  dbQueriesPerMessage?: number;
  /** Every Redis of the system together (the sum over `redisByRole`). */
  redisCommandsPerMessage?: number;
  redisCpuMicrosPerMessage?: number;
  /** The commands the system's Redis servers ran most, summed over them, per message sent, most first. */
  redisTopCommands?: [command: string, perMessage: number][];
  /** Per role (pubsub, queue, state; the ceiling has only pubsub), in that order. */
  redisByRole?: RedisRoleFigures[];
  /**
   * CPU of the MariaDB server over the measured window per message sent in it, µs. The server is
   * shared: other suites' queries on the machine count too.
   */
  mariadbCpuMicrosPerMessage?: number;
  /** Why this step ran: the ramp, the refinement between the last pass and the first failure, or the half-max persistence check. */
  purpose: 'ramp' | 'refine' | 'half-max';
}

export function judge(result: StepResult, before: MetricsSnapshot, after: MetricsSnapshot, purpose: StepReport['purpose']): StepReport {
  const failures: string[] = [];
  if (result.latency.count === 0) failures.push('nothing sent in the window was delivered');
  else if (!(result.latency.p99 < CRITERIA.p99Ms)) failures.push(`p99 ${Math.round(result.latency.p99)} ms ≥ ${CRITERIA.p99Ms} ms`);
  if (result.pendingAcks > 0) failures.push(`${result.pendingAcks} sends without an ack after the settle wait`);
  const missingRatio = result.expected > 0 ? result.missing / result.expected : 0;
  if (missingRatio >= CRITERIA.missingRatio) failures.push(`missing ${(missingRatio * 100).toFixed(2)} % of deliveries`);
  if (result.duplicates > 0) failures.push(`${result.duplicates} duplicate deliveries`);
  if (result.misrouted > 0) failures.push(`${result.misrouted} deliveries to the wrong room`);
  const errors = Object.entries(result.ackErrors);
  if (errors.length > 0) failures.push(`send errors: ${errors.map(([code, n]) => `${code} × ${n}`).join(', ')}`);
  if (!result.persisted.ok) failures.push(`${result.persisted.missingRows ?? '?'} acked messages not in MySQL in time`);
  const generatorLoad = result.cpu.generator / Math.max(result.cpu.wallSeconds, 1e-3);
  const roles = redisRoles(before, after, result.sent);
  const total = redisTotal(before, after, result.sent);
  const mariadbSeconds = cpuByGroup(result.cpu).get('mariadb');
  return {
    ...result,
    purpose,
    pass: failures.length === 0,
    failures,
    generatorBound: generatorLoad >= GENERATOR_BUSY || result.sentRate < GENERATOR_SEND_SHORTFALL * result.rate,
    lag: lagSummary(before, after),
    dbQueriesPerMessage: perMessage(before.dbQueries, after.dbQueries, result.sent),
    redisCommandsPerMessage: total.commandsPerMessage,
    redisCpuMicrosPerMessage: total.cpuMicrosPerMessage,
    redisTopCommands: total.topCommands,
    redisByRole: roles.length > 0 ? roles : undefined,
    mariadbCpuMicrosPerMessage:
      mariadbSeconds !== undefined && result.sentInWindow > 0 ? (mariadbSeconds * 1e6) / result.sentInWindow : undefined,
  };
}

function figures(before: RedisCounters | undefined, after: RedisCounters | undefined, sent: number): Omit<RedisRoleFigures, 'role'> {
  return {
    commandsPerMessage: perMessage(before?.commands, after?.commands, sent),
    cpuMicrosPerMessage: scaled(perMessage(before?.cpuSeconds, after?.cpuSeconds, sent), 1e6),
    topCommands: topCommands(before?.calls, after?.calls, sent),
  };
}

function redisRoles(before: MetricsSnapshot, after: MetricsSnapshot, sent: number): RedisRoleFigures[] {
  return after.redis.map(({ role, counters }) => ({
    role,
    ...figures(before.redis.find((r) => r.role === role)?.counters, counters, sent),
  }));
}

/** Every Redis summed, a figure only when every server's was read both times (a partial sum would pass for a total). */
function redisTotal(before: MetricsSnapshot, after: MetricsSnapshot, sent: number): Omit<RedisRoleFigures, 'role'> {
  const sum = (snap: MetricsSnapshot): RedisCounters | undefined => {
    if (snap.redis.length === 0) return undefined;
    const all = snap.redis.map((r) => r.counters);
    const add = (pick: (c: RedisCounters) => number | undefined) =>
      all.every((c) => pick(c) !== undefined) ? all.reduce((total, c) => total + (pick(c) ?? 0), 0) : undefined;
    const calls = all.every((c) => c.calls)
      ? all.reduce((merged, c) => {
          for (const [command, n] of c.calls ?? []) merged.set(command, (merged.get(command) ?? 0) + n);
          return merged;
        }, new Map<string, number>())
      : undefined;
    return { commands: add((c) => c.commands), cpuSeconds: add((c) => c.cpuSeconds), calls };
  };
  if (before.redis.length !== after.redis.length) return {};
  return figures(sum(before), sum(after), sent);
}

const scaled = (value: number | undefined, factor: number) => (value === undefined ? undefined : value * factor);

function topCommands(before: Map<string, number> | undefined, after: Map<string, number> | undefined, sent: number) {
  if (!before || !after || sent === 0) return undefined;
  return [...after]
    .map(([command, calls]): [string, number] => [command, (calls - (before.get(command) ?? 0)) / sent])
    .filter(([, perMessage]) => perMessage >= 0.01)
    .sort((a, b) => b[1] - a[1]);
}

function lagSummary(before: MetricsSnapshot, after: MetricsSnapshot): LagSummary | undefined {
  const delta = bucketDelta(after.lag, before.lag);
  if (!delta || bucketCount(delta) === 0) return undefined;
  return {
    p50: bucketQuantile(delta, 0.5),
    p99: bucketQuantile(delta, 0.99),
    withinOneSecond: shareAtMost(delta, 1),
    count: bucketCount(delta),
  };
}

/** A counter's growth over a step, per message sent in it (warm-up included, like the counter). */
function perMessage(before: number | undefined, after: number | undefined, sent: number): number | undefined {
  return before !== undefined && after !== undefined && sent > 0 ? (after - before) / sent : undefined;
}
