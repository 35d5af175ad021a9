import { AsyncLocalStorage } from 'node:async_hooks';
import { Counter, Gauge, Histogram } from 'prom-client';
import { ConnectRefusal, ErrorCode } from '@chat/contracts';

/**
 * The socket edge as Prometheus sees one replica. Every label value comes from a closed set
 * (event names the gateway binds or sends, error codes, Socket.IO's disconnect reasons), never
 * from what a client chose, so a client cannot grow the number of series.
 */

// What an autoscaler on connections reads (deploy/k8s: the HPA's custom metric).
const connected = new Gauge({ name: 'chat_sockets_connected', help: 'Socket.IO connections open on this replica' });

const connects = new Counter({ name: 'chat_socket_connects_total', help: 'Socket.IO connections this replica admitted' });

const refused = new Counter({
  name: 'chat_socket_connects_refused_total',
  help: "Socket.IO connections this replica refused, by the connect_error's message (server_busy: the connect throttle; unauthorized; too_many_connections: the per-user cap)",
  labelNames: ['reason'] as const,
});

/** Socket.IO's own reasons (socket.io's DisconnectReason); anything else is counted as `other`. */
const DISCONNECT_REASONS = new Set([
  'transport error',
  'transport close',
  'forced close',
  'ping timeout',
  'parse error',
  'server shutting down',
  'forced server close',
  'client namespace disconnect',
  'server namespace disconnect',
]);

const disconnects = new Counter({
  name: 'chat_socket_disconnects_total',
  help: "Socket.IO connections that ended on this replica, by Socket.IO's reason (spaces as underscores)",
  labelNames: ['reason'] as const,
});

const events = new Counter({
  name: 'chat_socket_events_total',
  help: 'Socket events handled, by event and outcome (ok, or the error code of the ack); events no handler binds count as event "unknown"',
  labelNames: ['event', 'outcome'] as const,
});

const eventSeconds = new Histogram({
  name: 'chat_socket_event_duration_seconds',
  help: "From a socket event's arrival to its ack (for message: send to ack), waiting for the socket's earlier events included",
  labelNames: ['event'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
});

/**
 * Counted in plain numbers and handed to prom-client at scrape time: a broadcast to a big room is
 * one increment per socket, which a labelled inc (a label hash each) would make cost more.
 */
const deliveredByEvent = new Map<string, number>();
new Counter({
  name: 'chat_socket_deliveries_total',
  help: 'Server events written to sockets on this replica (each broadcast once per socket it reached here), by event',
  labelNames: ['event'] as const,
  collect() {
    this.reset();
    for (const [event, count] of deliveredByEvent) this.inc({ event }, count);
  },
});

const UNKNOWN_EVENT = 'unknown';

/** How the event being handled ended; the exception filter writes it when the handler threw. */
interface Outcome {
  value: 'ok' | ErrorCode;
}
const outcomes = new AsyncLocalStorage<Outcome>();

/**
 * Runs an event's handling, then counts and times it under its outcome: the error code the
 * exception filter answered with (failed), else that of a `{ ok: false }` reply the handler
 * returned, else ok. Also for events sent without an ack, whose errors reach the client only as
 * an `exception` event. Resolves to that outcome.
 */
export async function countedEvent(
  event: string,
  receivedAt: number,
  handle: (outcome: Outcome) => Promise<void>,
): Promise<'ok' | ErrorCode> {
  const outcome: Outcome = { value: 'ok' };
  try {
    await outcomes.run(outcome, () => handle(outcome));
    return outcome.value;
  } finally {
    events.inc({ event, outcome: outcome.value });
    eventSeconds.observe({ event }, (performance.now() - receivedAt) / 1000);
  }
}
const ERROR_CODES: ReadonlySet<string> = new Set(Object.values(ErrorCode));

export const socketMetrics = {
  connected(): void {
    connects.inc();
    connected.inc();
  },
  disconnected(reason: string): void {
    connected.dec();
    disconnects.inc({ reason: DISCONNECT_REASONS.has(reason) ? reason.replaceAll(' ', '_') : 'other' });
  },
  refused(reason: ConnectRefusal): void {
    refused.inc({ reason });
  },
  /** An event no handler binds: counted, not timed, and never under the name the client gave it. */
  unknown(): void {
    events.inc({ event: UNKNOWN_EVENT, outcome: ErrorCode.ValidationFailed });
  },
  /** The event being handled failed with `code` (the exception filter's answer). */
  failed(code: ErrorCode): void {
    const outcome = outcomes.getStore();
    if (outcome) outcome.value = code;
  },
  /** A socket's outgoing-event listener (Socket.IO calls it with the event's arguments). */
  delivered(event: string): void {
    deliveredByEvent.set(event, (deliveredByEvent.get(event) ?? 0) + 1);
  },
};

/** The outcome label of an ack or reply: its error code when it is `{ ok: false, error }`. */
export function outcomeOf(reply: unknown): 'ok' | ErrorCode {
  const error = (reply as { ok?: unknown; error?: { code?: unknown } } | null | undefined)?.error;
  if ((reply as { ok?: unknown } | null | undefined)?.ok !== false || typeof error?.code !== 'string') return 'ok';
  return ERROR_CODES.has(error.code) ? (error.code as ErrorCode) : ErrorCode.Internal;
}
