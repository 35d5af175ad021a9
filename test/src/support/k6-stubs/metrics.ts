// `k6/metrics`: every metric a script creates is recorded with its type, so that a test can check
// the script's thresholds against the metrics it really defines.
type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';

const key = Symbol.for('k6-stubs.metrics');
const store = globalThis as { [key]?: Map<string, MetricType> };

/** name → type of every metric created since the process started. */
export function definedMetrics(): Map<string, MetricType> {
  return (store[key] ??= new Map<string, MetricType>());
}

abstract class Metric {
  constructor(
    readonly name: string,
    type: MetricType,
  ) {
    definedMetrics().set(name, type);
  }
  add(): void {}
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
