export { collectProcessMetrics } from './process-metrics';
export {
  type Attributes,
  linkTo,
  type Span,
  SpanKind,
  SpanStatusCode,
  startTracing,
  type StopTracing,
  trace,
  type TraceCarrier,
  traceCarrier,
  traceContextOf,
  tracer,
  tracingEnabled,
  type TracingOptions,
} from './tracing';
