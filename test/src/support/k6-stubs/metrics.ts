// `k6/metrics`: every metric a script creates is recorded with its type, so that a test can check
// the script's thresholds against the metrics it really defines.
// Samples are kept too, for the suites that run a script's VU code.
type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type Sample = { value: number; tags: Record<string, string> };

const key = Symbol.for('k6-stubs.metrics');
const store = globalThis as { [key]?: { types: Map<string, MetricType>; samples: Map<string, Sample[]> } };
const metrics = () => (store[key] ??= { types: new Map<string, MetricType>(), samples: new Map<string, Sample[]>() });

/** name → type of every metric created since the process started. */
export function definedMetrics(): Map<string, MetricType> {
  return metrics().types;
}

/** Every sample added to metric `name` (a Rate's true and false as 1 and 0). */
export function samplesOf(name: string): Sample[] {
  return metrics().samples.get(name) ?? [];
}

abstract class Metric {
  constructor(
    readonly name: string,
    type: MetricType,
  ) {
    metrics().types.set(name, type);
  }
  add(value: number | boolean, tags: Record<string, string> = {}): void {
    const list = metrics().samples.get(this.name) ?? [];
    list.push({ value: Number(value), tags });
    metrics().samples.set(this.name, list);
  }
}

export class Counter extends Metric {
  constructor(name: string) {
    super(name, 'counter');
  }
}
export class Gauge extends Metric {
  constructor(name: string) {
    super(name, 'gauge');
  }
}
export class Rate extends Metric {
  constructor(name: string) {
    super(name, 'rate');
  }
}
export class Trend extends Metric {
  constructor(name: string) {
    super(name, 'trend');
  }
}
