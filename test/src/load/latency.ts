import { performance } from 'node:perf_hooks';
import { type Percentiles, percentiles } from '../bench/generator';

/**
 * Wall-clock milliseconds with sub-millisecond resolution, comparable between processes on one
 * machine: a sender in one generator process stamps a message, a receiver in another subtracts.
 * Date.now() would round every sample to a whole millisecond, a large share of a 2 ms latency.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

export type LatencySummary = Percentiles;

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
    return percentiles(picked);
  }
}

function grow(array: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const bigger = new Float64Array(array.length * 2);
  bigger.set(array);
  return bigger;
}
