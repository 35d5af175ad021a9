export { collectProcessMetrics } from './process-metrics';
