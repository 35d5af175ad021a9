import { startTracing } from '@chat/telemetry';

/**
 * Imported first by main.ts: tracing (when OTEL_EXPORTER_OTLP_ENDPOINT is set) has to start before
 * http, ioredis and mysql2 are first required, or their calls go untraced.
 */
export const stopTracing = startTracing('chat-gateway');
