import { collectDefaultMetrics, register } from 'prom-client';

/**
 * prom-client's gauges of open handles, requests and resources are named `…_total`, a suffix
 * Prometheus keeps for counters (`promtool check metrics` flags them). The same counts are there
 * by type without the suffix (`nodejs_active_handles{type}`…), so these three are dropped.
 * Remove this once prom-client renames them (still so in 15.1).
 */
const MISNAMED_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

let collecting = false;

/** Node's process metrics (CPU, memory, event loop lag, GC, handles) on the default registry; once per process. */
export function collectProcessMetrics(): void {
  if (collecting) return;
  collecting = true;
  collectDefaultMetrics();
  for (const name of MISNAMED_GAUGES) register.removeSingleMetric(name);
}
