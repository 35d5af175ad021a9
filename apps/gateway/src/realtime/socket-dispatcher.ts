import { Logger } from '@nestjs/common';
import type { MessageMappingProperties } from '@nestjs/websockets';
import { firstValueFrom, isObservable } from 'rxjs';
import { type Ack, ErrorCode, type ExceptionEvent } from '@chat/contracts';
import { SpanKind, SpanStatusCode, tracer, tracingEnabled } from '@chat/telemetry';
import { currentRequestId, REQUEST_ID_HEADER, requestIdFrom, withRequestId } from '../common/request-id';
import { countedEvent, outcomeOf, socketMetrics } from './socket-metrics';
import { ORDERED_EVENTS, startTurn } from './socket-turns';

/** The outcomes that mark a socket event's span as an error (the others are the client's mistakes). */
const SERVER_FAILURES: ReadonlySet<string> = new Set([ErrorCode.Internal, ErrorCode.Unavailable]);

/** What the dispatcher uses of a Socket.IO socket. */
export interface DispatchedSocket {
  onAny(listener: (event: string, ...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): unknown;
  /** Socket.IO's id, named in the connection's log line beside its request id. */
  id?: string;
  /** The connection's HTTP request: its X-Request-Id (nginx's `$request_id`) prefixes the ids of the socket's events. */
  handshake?: { headers: Record<string, string | string[] | undefined> };
}

/** The id the socket's events are numbered under, and how many it has had. */
interface EventIds {
  prefix: string;
  count: number;
}

/** Nest's split of an event's arguments into payload and ack: `IoAdapter.prototype.mapPayload`. */
export type PayloadMapper = (payload: unknown) => { data: unknown; ack?: unknown };

type Handler = MessageMappingProperties['callback'];
type Reply = { event?: string; data?: unknown } | null | undefined;
/** Where an event's handler sits in every socket's list, and whether it acks by itself (`@Ack()`). */
interface Slot {
  index: number;
  manualAck: boolean;
}
/** One event as it arrived: its handler, its arguments, and when it came (for its duration metric). */
interface Call {
  event: string;
  handler: Handler;
  manualAck: boolean;
  args: unknown[];
  receivedAt: number;
}

/**
 * Nest's `IoAdapter.bindMessageHandlers` contract (the handler's reply is the ack, or is emitted
 * when it names an event; `@Ack()` handlers ack by themselves), without Nest's RxJS pipeline per
 * event per socket and Observable wrapping of every result (docs/BENCHMARKS.md): one `onAny`
 * listener shared by every socket looks the handler up, and its result is awaited.
 *
 * Nest calls `bind` once per gateway per socket, so several gateways on one server each add their
 * events. An event bound twice on one socket is refused, not overwritten: with one handler per
 * event, a second gateway subscribing the same message would silently take it over. An event no
 * gateway binds is answered like any invalid event: a VALIDATION_FAILED ack and an `exception`.
 * An ordered event (socket-turns.ts) starts only once the socket's previous one has ended its turn.
 * Each bound event is handled under its own request id, `<handshake request id>:<n>`
 * (withRequestId), so its log lines and the message it sends can be told from the socket's others.
 * Each event is counted by name and outcome, and timed from its arrival to its ack (socket-metrics.ts).
 * With tracing on, each is a `socket <event>` server span (an event is no HTTP request, so no
 * instrumentation makes one), under which its Redis and MySQL calls and the message it sends go.
 */
export class SocketDispatcher {
  private readonly slots = new Map<string, Slot>();
  /** Each socket's handlers (Nest binds them to the socket), by slot; forgotten with the socket. */
  private readonly handlersOf = new WeakMap<DispatchedSocket, Handler[]>();
  /** Per socket, when its latest ordered event ends its turn. */
  private readonly lanes = new WeakMap<DispatchedSocket, Promise<void>>();
  private readonly eventIds = new WeakMap<DispatchedSocket, EventIds>();
  /** One function for every socket: Socket.IO calls `onAny` listeners with the socket as `this`. */
  private readonly dispatch: (this: DispatchedSocket, event: string, ...args: unknown[]) => void;

  constructor(
    private readonly mapPayload: PayloadMapper,
    private readonly log: Pick<Logger, 'error'> = new Logger(SocketDispatcher.name),
    ordered: ReadonlySet<string> = ORDERED_EVENTS,
  ) {
    const { slots, handlersOf, eventIds } = this;
    const run = this.run.bind(this);
    const runInTurn = this.runInTurn.bind(this);
    this.dispatch = function (event, ...args) {
      const receivedAt = performance.now();
      const slot = slots.get(event);
      const handler = slot && handlersOf.get(this)?.[slot.index];
      if (slot === undefined || handler === undefined) return refuseUnknownEvent(this, event, args);
      // A socket with a handler was bound, so it has its event ids.
      const ids = eventIds.get(this)!;
      const call: Call = { event, handler, manualAck: slot.manualAck, args, receivedAt };
      withRequestId(`${ids.prefix}:${++ids.count}`, () => {
        if (ordered.has(event)) runInTurn(this, call);
        else void run(this, call);
      });
    };
  }

  bind(socket: DispatchedSocket, handlers: readonly MessageMappingProperties[]): void {
    let bound = this.handlersOf.get(socket);
    if (!bound) {
      bound = [];
      this.handlersOf.set(socket, bound);
      const prefix = requestIdFrom(socket.handshake?.headers[REQUEST_ID_HEADER]);
      this.eventIds.set(socket, { prefix, count: 0 });
      // Debug: at info, a reconnect storm of thousands of sockets would be as many lines.
      Logger.debug(`socket ${socket.id} connected, request ${prefix}`, SocketDispatcher.name);
      socket.onAny(this.dispatch);
    }
    for (const { message, callback, isAckHandledManually } of handlers) {
      const slot = this.slotOf(String(message), isAckHandledManually);
      if (bound[slot.index] !== undefined) {
        throw new Error(
          `Socket event "${String(message)}" has two handlers (two @SubscribeMessage on gateways of one server); give it one`,
        );
      }
      bound[slot.index] = callback;
    }
  }

  private slotOf(event: string, manualAck: boolean): Slot {
    let slot = this.slots.get(event);
    if (!slot) {
      slot = { index: this.slots.size, manualAck };
      this.slots.set(event, slot);
    } else if (slot.manualAck !== manualAck) {
      // One ack mode per event name, shared by every socket, keeps the per-socket state to a list of handlers.
      throw new Error(`Socket event "${event}" is bound both with and without @Ack(); use one`);
    }
    return slot;
  }

  /** After the socket's previous ordered event has ended its turn (early, by takeTurn, or by finishing). */
  private runInTurn(socket: DispatchedSocket, call: Call): void {
    let end!: () => void;
    const turn = new Promise<void>((resolve) => (end = resolve));
    const previous = this.lanes.get(socket);
    this.lanes.set(socket, turn);
    const start = (): void => {
      startTurn(socket, end);
      void this.run(socket, call).finally(end);
    };
    if (previous) void previous.then(start);
    else start();
  }

  private async run(socket: DispatchedSocket, call: Call): Promise<void> {
    if (!tracingEnabled()) {
      await this.handle(socket, call);
      return;
    }
    const attributes = { 'chat.socket.event': call.event, 'chat.request.id': currentRequestId() ?? '' };
    await tracer().startActiveSpan(`socket ${call.event}`, { kind: SpanKind.SERVER, attributes }, (span) =>
      this.handle(socket, call)
        .then((outcome) => {
          // Every refusal is named; as for HTTP 4xx on a server span, only the server's own failures are errors.
          span.setAttribute('chat.outcome', outcome);
          if (SERVER_FAILURES.has(outcome)) span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        })
        .finally(() => span.end()),
    );
  }

  private handle(socket: DispatchedSocket, { event, handler, manualAck, args, receivedAt }: Call): Promise<'ok' | ErrorCode> {
    return countedEvent(event, receivedAt, async (outcome) => {
      try {
        // The payload as Nest's own adapter gets it from rxjs `fromEvent`: one argument as is, several as an array.
        const { data, ack } = this.mapPayload(args.length > 1 ? args : args[0]);
        const result: unknown = await handler(data, ack);
        // An Observable's first value: what the client gets under Nest too, since an ack answers once.
        const reply = (isObservable(result) ? await firstValueFrom(result, { defaultValue: undefined }) : result) as Reply;
        if (reply === null || reply === undefined) return;
        if (outcome.value === 'ok') outcome.value = outcomeOf(reply);
        if (reply.event) socket.emit(reply.event, reply.data);
        else if (!manualAck && typeof ack === 'function') (ack as (reply: unknown) => void)(reply);
      } catch (error) {
        // Only what the gateway's exception filter rethrows gets here; Nest logs it the same way.
        outcome.value = ErrorCode.Internal;
        this.log.error(error);
      }
    });
  }
}

function refuseUnknownEvent(socket: DispatchedSocket, event: string, args: unknown[]): void {
  // Not by its name: a client could make up any number of them.
  socketMetrics.unknown();
  const message = `Unknown event "${event}"`;
  const ack = args.at(-1);
  if (typeof ack === 'function') (ack as (a: Ack<never>) => void)({ ok: false, error: { code: ErrorCode.ValidationFailed, message } });
  const exception: ExceptionEvent = { event, code: ErrorCode.ValidationFailed, message };
  socket.emit('exception', exception);
}
