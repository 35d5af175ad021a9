import { type Context, context, type Link, propagation, trace, type Tracer } from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Flushes the spans still buffered and stops the SDK; never rejects. */
export type StopTracing = () => Promise<void>;

export interface TracingOptions {
  /** Where spans go instead of the OTLP exporter the SDK makes from OTEL_* (tests); turns tracing on by itself. */
  exporter?: SpanExporter;
}

/** W3C trace context (`traceparent`, `tracestate`) as a job carries it from the gateway to the worker. */
export type TraceCarrier = Record<string, string>;

const TRACER = 'chat';
let started = false;

/**
 * Starts OpenTelemetry tracing when OTEL_EXPORTER_OTLP_ENDPOINT is set (or an exporter is given):
 * the NodeSDK, configured by the standard OTEL_* variables (protocol, sampler, batch delays…),
 * with the http, ioredis and mysql2 instrumentations. Only traces: metrics stay on Prometheus.
 * The instrumentations patch modules as they are required, so this must run before anything
 * requires http, ioredis or mysql2: each app calls it from the first import of its main.
 * Otherwise nothing is loaded and `@opentelemetry/api` stays a no-op.
 */
export function startTracing(serviceName: string, { exporter }: TracingOptions = {}): StopTracing {
  if (!exporter && !process.env.OTEL_EXPORTER_OTLP_ENDPOINT) return () => Promise.resolve();
  // Required here, not imported: with tracing off the SDK and its exporters are never loaded.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { IORedisInstrumentation } =
    require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const { MySQL2Instrumentation } =
    require('@opentelemetry/instrumentation-mysql2') as typeof import('@opentelemetry/instrumentation-mysql2');
  /* eslint-enable @typescript-eslint/no-require-imports */
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME || serviceName,
    instrumentations: [new HttpInstrumentation(), new IORedisInstrumentation(), new MySQL2Instrumentation()],
    // With no exporter given, the SDK builds the OTLP one (and its batch processor) from OTEL_*.
    ...(exporter ? { spanProcessors: [new BatchSpanProcessor(exporter)] } : {}),
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  started = true;
  return () => sdk.shutdown().catch((error: unknown) => console.error(`tracing shutdown failed: ${String(error)}`));
}

/** Whether startTracing started the SDK: spans the apps make by hand are only worth making then. */
export function tracingEnabled(): boolean {
  return started;
}

/** The tracer for the spans the apps make themselves; a no-op while tracing is off. */
export function tracer(): Tracer {
  return trace.getTracer(TRACER);
}

/** The active trace context to put in a job, or undefined when there is none (tracing off). */
export function traceCarrier(): TraceCarrier | undefined {
  if (!started) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/** The trace context a job carried, as a parent or a link; undefined when it carried none. */
export function traceContextOf(carrier: TraceCarrier | undefined): Context | undefined {
  return carrier ? propagation.extract(context.active(), carrier) : undefined;
}

/** A link to the span a carried context names, with attributes saying why. */
export function linkTo(carrier: TraceCarrier | undefined, attributes: Link['attributes']): Link | undefined {
  const parent = traceContextOf(carrier);
  const spanContext = parent && trace.getSpanContext(parent);
  return spanContext ? { context: spanContext, attributes } : undefined;
}

export { type Attributes, SpanKind, SpanStatusCode, type Span, trace } from '@opentelemetry/api';
