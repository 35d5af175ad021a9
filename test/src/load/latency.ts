import { performance } from 'node:perf_hooks';

/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable between processes on one
 * machine: a sender in one generator process stamps a message, a receiver in another subtracts.
 * Date.now() would round every sample to a whole millisecond, a large share of a 2 ms latency.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** What a recorder sends over IPC: its samples as plain arrays. */
export interface LatencyDump {
  sentAt: number[];
  latency: number[];
}

/**
 * Delivery latencies, each kept with the moment its message was sent, so a figure can be asked
 * for after the fact over any window (the seconds of a storm, say) and recorders from several
 * generator processes can be merged. A run holds a few hundred thousand samples at most, which
 * raw storage affords; a histogram would have to choose its windows in advance.
 */
export class LatencyRecorder {
  private sentAt = new Float64Array(1024);
  private latency = new Float64Array(1024);
  private size = 0;

  get count(): number {
    return this.size;
  }

  record(sentAt: number, latencyMs: number): void {
    if (this.size === this.sentAt.length) {
      this.sentAt = grow(this.sentAt);
      this.latency = grow(this.latency);
    }
    this.sentAt[this.size] = sentAt;
    this.latency[this.size] = latencyMs;
    this.size++;
  }

  merge(dump: LatencyDump): void {
    dump.latency.forEach((latency, i) => this.record(dump.sentAt[i] ?? 0, latency));
  }

  dump(): LatencyDump {
    return { sentAt: Array.from(this.sentAt.subarray(0, this.size)), latency: Array.from(this.latency.subarray(0, this.size)) };
  }

  clear(): void {
    this.size = 0;
  }

  /** Percentiles over the messages sent in [from, to) (every sample by default). */
  summary(from = -Infinity, to = Infinity): LatencySummary {
    const picked: number[] = [];
    for (let i = 0; i < this.size; i++) if (this.sentAt[i] >= from && this.sentAt[i] < to) picked.push(this.latency[i]);
    return summarize(picked);
  }
}

export function summarize(samples: ArrayLike<number>): LatencySummary {
  if (samples.length === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN };
}

function grow(array: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
