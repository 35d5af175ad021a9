import Redis from 'ioredis';
import type { RedisRole, Target } from './targets';

/** A Prometheus histogram's cumulative bucket counts, by upper bound (`+Inf` as Infinity). */
export type Buckets = Map<number, number>;

/** One Redis server's counters (INFO stats, cpu and commandstats); a field is absent when it could not be read. */
export interface RedisCounters {
  commands?: number;
  /** Redis's own CPU (used_cpu_sys + used_cpu_user), seconds. */
  cpuSeconds?: number;
  /** Calls per command (INFO commandstats; a script's own commands are counted too). */
  calls?: Map<string, number>;
}

/** The snapshot of the counters a step is judged by, taken before and after it. */
export interface MetricsSnapshot {
  lag?: Buckets;
  dbQueries?: number;
  /** Per Redis role, in the target's order (for the ceiling: its one Redis, the pub/sub role). */
  redis: { role: RedisRole; counters: RedisCounters }[];
}

/** The text a Prometheus endpoint answers (`url` ends in its path, e.g. `/metrics`). */
async function scrape(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3_000) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

export function parseBuckets(text: string, name: string): Buckets | undefined {
  const buckets: Buckets = new Map();
  const pattern = new RegExp(`^${name}_bucket\\{[^}]*le="([^"]+)"[^}]*\\} (\\S+)$`, 'gm');
  for (const match of text.matchAll(pattern)) {
    const le = match[1] === '+Inf' ? Infinity : Number(match[1]);
    buckets.set(le, (buckets.get(le) ?? 0) + Number(match[2]));
  }
  return buckets.size > 0 ? buckets : undefined;
}

export function parseCounter(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The worker's persistence lag histogram, the gateways' SQL statement count (summed) and each Redis's counters. */
export async function snapshot(target: Pick<Target, 'workerMetricsUrl' | 'gatewayMetricsUrls' | 'redis'>): Promise<MetricsSnapshot> {
  const [worker, redis, gateways] = await Promise.all([
    target.workerMetricsUrl ? scrape(target.workerMetricsUrl) : undefined,
    Promise.all(
      target.redis.map(async ({ role, url }) => ({ role, counters: redisCounters(await redisInfo(url, 'stats', 'cpu', 'commandstats')) })),
    ),
    Promise.all(target.gatewayMetricsUrls.map(scrape)),
  ]);
  const queries = gateways.map((text) => (text ? parseCounter(text, 'chat_db_queries_total') : undefined));
  return {
    lag: worker ? parseBuckets(worker, 'chat_persistence_lag_seconds') : undefined,
    dbQueries: queries.length > 0 && queries.every((q) => q !== undefined) ? queries.reduce((a, b) => (a ?? 0) + (b ?? 0), 0) : undefined,
    redis,
  };
}

function redisCounters(info: string | undefined): RedisCounters {
  if (info === undefined) return {};
  const sys = infoField(info, 'used_cpu_sys');
  const user = infoField(info, 'used_cpu_user');
  return {
    commands: infoField(info, 'total_commands_processed'),
    cpuSeconds: sys !== undefined && user !== undefined ? sys + user : undefined,
    calls: commandCalls(info),
  };
}

/** `cmdstat_<name>:calls=<n>,…` lines of INFO commandstats, as calls by command name. */
function commandCalls(info: string): Map<string, number> {
  return new Map([...info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
}

/** The INFO reply of the Redis at `url` for the given sections, or undefined if it cannot be read. */
async function redisInfo(url: string, ...sections: string[]): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const replies = await Promise.all(sections.map((section) => client.info(section)));
    return replies.join('\n');
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** A numeric field of the INFO reply of the Redis at `url` (`section` as INFO names it); undefined if it cannot be read. */
export async function redisInfoNumber(url: string, section: string, field: string): Promise<number | undefined> {
  const info = await redisInfo(url, section);
  return info === undefined ? undefined : infoField(info, field);
}

/** `name:<number>` in an INFO reply. */
function infoField(info: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info);
  return match ? Number(match[1]) : undefined;
}

export function bucketDelta(after: Buckets | undefined, before: Buckets | undefined): Buckets | undefined {
  if (!after) return undefined;
  return new Map([...after].map(([le, count]) => [le, count - (before?.get(le) ?? 0)]));
}

/** Like PromQL's histogram_quantile: linear within the bucket that holds the quantile. */
export function bucketQuantile(buckets: Buckets, q: number): number {
  const bounds = [...buckets.keys()].sort((a, b) => a - b);
  const total = buckets.get(Infinity) ?? buckets.get(bounds[bounds.length - 1] ?? Infinity) ?? 0;
  if (total <= 0) return NaN;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const le of bounds) {
    const count = buckets.get(le) ?? 0;
    if (count >= rank) {
      if (le === Infinity) return lower;
      return lower + ((le - lower) * (rank - below)) / Math.max(count - below, 1e-9);
    }
    lower = le;
    below = count;
  }
  return lower;
}

/** Share of observations at or under `bound` (which must be a bucket bound to be exact). */
export function shareAtMost(buckets: Buckets, bound: number): number {
  const total = buckets.get(Infinity) ?? 0;
  return total > 0 ? (buckets.get(bound) ?? 0) / total : NaN;
}

export function bucketCount(buckets: Buckets): number {
  return buckets.get(Infinity) ?? 0;
}
