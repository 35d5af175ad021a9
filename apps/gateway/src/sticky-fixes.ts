import cluster, { type Worker } from 'node:cluster';
import { readFileSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { createServer, type Server, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { Logger } from '@nestjs/common';

/**
 * Two races in @socket.io/sticky's primary, closed from the outside (its routing is unchanged).
 * What they rely on in its internals and in Node's is checked when the primary starts, so an
 * upgrade that changes either fails there; docs/ARCHITECTURE.md ("Upstream workarounds") says when
 * each can go.
 */

const logger = new Logger('StickyFixes');

/** The IPC messages a worker sends when an Engine.IO session opens and closes, with its id as `data`. */
export const SESSION_OPENED = 'sticky:connection';
export const SESSION_CLOSED = 'sticky:disconnection';
/**
 * How @socket.io/sticky finds the session a request names (its own pattern, checked at startup): it
 * routes only Engine.IO's default 20-character ids, which is why cluster.ts turns SID_ROUTING off.
 */
export const STICKY_SID = /sid=([\w-]{20})/;
const ROUTABLE_SID = /^[\w-]{20}$/;

/** The session a connection's first chunk names, read as @socket.io/sticky reads it. */
export function sessionIdIn(chunk: Buffer): string | undefined {
  return STICKY_SID.exec(chunk.subarray(0, chunk.indexOf('\r\n\r\n')).toString())?.[1];
}

/** Which worker holds each session, as the workers announce them, and the requests waiting for theirs. */
export class SessionBindings {
  private readonly owners = new Map<string, number>();
  private readonly waiting = new Map<string, Set<() => void>>();
  private warned = false;

  /** An id sticky cannot route means requests naming it are balanced to any worker: logged once unless told otherwise. */
  constructor(private readonly onUnroutable?: (sid: string, workerId: number) => void) {}

  has(sid: string): boolean {
    return this.owners.has(sid);
  }

  /** Sessions that requests are waiting for. */
  get waitingFor(): number {
    return this.waiting.size;
  }

  bind(sid: string, workerId: number): void {
    if (!ROUTABLE_SID.test(sid)) this.unroutable(sid, workerId);
    this.owners.set(sid, workerId);
    const waiters = this.waiting.get(sid);
    this.waiting.delete(sid);
    for (const wake of waiters ?? []) wake();
  }

  unbind(sid: string): void {
    this.owners.delete(sid);
  }

  /** A dead worker's sessions end without a word from it (sticky forgets them the same way). */
  forgetWorker(workerId: number): void {
    for (const [sid, owner] of this.owners) if (owner === workerId) this.owners.delete(sid);
  }

  /** Resolves once `sid` is bound, or after `maxWaitMs`: an expired session, which its worker will refuse. */
  whenBound(sid: string, maxWaitMs: number): Promise<void> {
    if (this.owners.has(sid)) return Promise.resolve();
    return new Promise((resolve) => {
      let waiters = this.waiting.get(sid);
      if (!waiters) this.waiting.set(sid, (waiters = new Set()));
      const wake = () => (clearTimeout(timer), resolve());
      const timer = setTimeout(() => {
        waiters.delete(wake);
        if (waiters.size === 0) this.waiting.delete(sid);
        resolve();
      }, maxWaitMs);
      waiters.add(wake);
    });
  }

  /** Follows the workers' session messages (cluster's `message` event). */
  track(workerId: number, message: unknown): void {
    const { type, data } = (message ?? {}) as { type?: unknown; data?: unknown };
    if (typeof data !== 'string') return;
    if (type === SESSION_OPENED) this.bind(data, workerId);
    else if (type === SESSION_CLOSED) this.unbind(data);
  }

  private unroutable(sid: string, workerId: number): void {
    if (this.onUnroutable) return this.onUnroutable(sid, workerId);
    if (this.warned) return;
    this.warned = true;
    logger.error(
      `worker ${workerId} opened session "${sid}", which @socket.io/sticky cannot route (it reads 20-character ids only): ` +
        'its later requests go to any worker. Is SID_ROUTING or a custom Engine.IO generateId on in the workers?',
    );
  }
}

/**
 * 1. The primary learns which worker owns a new Engine.IO session from an IPC message the worker
 * sends at handshake. A fast client's next request (carrying `?sid=`) can reach the primary first;
 * sticky then balances it to any worker, which answers "Session ID unknown". So connections are
 * accepted here, and one naming a session the primary has not heard of yet waits for that binding
 * (briefly) before sticky routes it.
 */
export function acceptAfterSessionBinding(httpServer: HttpServer, maxWaitMs = 1_000): Server {
  assertInternals();
  const sessions = new SessionBindings();
  cluster.on('message', (worker, message) => sessions.track(worker.id, message));
  cluster.on('exit', (worker) => sessions.forgetWorker(worker.id));

  return createServer({ pauseOnConnect: true }, (socket) => {
    // Until http takes the socket, nothing else listens: an unhandled reset would end the primary.
    socket.on('error', destroySocket);
    socket.once('data', (chunk: Buffer) => {
      // Nothing more is read while it waits, so nothing is left behind when sticky hands it over.
      stopReading(socket);
      const sid = sessionIdIn(chunk);
      if (sid === undefined || sessions.has(sid)) handOver(httpServer, socket, chunk);
      else void sessions.whenBound(sid, maxWaitMs).then(() => handOver(httpServer, socket, chunk));
    });
    socket.resume();
  });
}

function handOver(httpServer: HttpServer, socket: Socket, chunk: Buffer): void {
  if (socket.destroyed) return;
  socket.off('error', destroySocket);
  socket.unshift(chunk);
  httpServer.emit('connection', socket);
  resumeReading(socket);
}

function destroySocket(this: Socket): void {
  this.destroy();
}

/**
 * 2. Sticky passes a connection's handle to a worker while the primary's socket is still reading
 * it, and Node drops whatever the primary reads from then until the worker acknowledges the
 * handle. So bytes that arrive during the hand-off (the rest of a request whose headers came in
 * more than one segment) are lost, and the worker waits on a request that never completes.
 * Stopping the read first leaves them in the kernel buffer, which travels with the handle.
 */
export function stopReadingOnHandOff(worker: Worker): Worker {
  assertInternals();
  const send = worker.send.bind(worker) as (...args: unknown[]) => boolean;
  worker.send = (message: unknown, handle?: unknown, ...rest: unknown[]) => {
    if (handle instanceof Socket) stopReading(handle);
    return send(message, handle, ...rest);
  };
  return worker;
}

interface StreamHandle {
  reading?: boolean;
  readStop(): number;
}

/**
 * Stops a socket reading the kernel until resumeReading. `pause()` alone does not (libuv goes on
 * reading into the stream's buffer), and the stream would start the handle again on its next
 * `_read`, which a handed-over socket still gets until Node detaches its handle (at once, or once
 * an earlier hand-off to that worker is acknowledged). Node stops a handle the same way
 * (`net.Socket#pause` with `onread`, backpressure in `onStreamRead`); assertNodeInternals checks the names.
 */
export function stopReading(socket: Socket): void {
  socket.pause();
  socket._read = readNothing;
  const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
  if (handle?.reading) {
    handle.reading = false;
    handle.readStop();
  }
}

function resumeReading(socket: Socket): void {
  socket._read = Socket.prototype._read;
  socket.resume();
}

function readNothing(): void {}

/** What the fixes rely on in @socket.io/sticky's index.js, whitespace and trailing commas removed. */
const STICKY_INTERNALS: readonly [what: string, code: string][] = [
  ['a worker announces each session by its id', 'process.send({type:"sticky:connection",data:socket.id}'],
  ['a worker announces the end of each session by its id', 'process.send({type:"sticky:disconnection",data:socket.id}'],
  ['the primary reads the session with /sid=([\\w\\-]{20})/', 'constsidRegex=/sid=([\\w\\-]{20})/;'],
  [
    'the primary hands a connection over with Worker#send, the socket as its handle',
    'cluster.workers[workerId].send({type:"sticky:connection",data:chunk},socket,sendCallback)',
  ],
];

/** Throws, naming each one, if what the fixes rely on is not in @socket.io/sticky's source. */
export function assertStickyInternals(
  source = readFileSync(require.resolve('@socket.io/sticky'), 'utf8'),
  version = stickyVersion(),
): void {
  const code = source.replace(/\s+/g, '').replace(/,(?=[)\]}])/g, '');
  const changed = STICKY_INTERNALS.filter(([, snippet]) => !code.includes(snippet)).map(([what]) => what);
  if (changed.length > 0) {
    throw new Error(
      `@socket.io/sticky ${version} changed what sticky-fixes.ts relies on (written against 2.0.1): no longer true that ` +
        `${changed.join('; ')}. Check both races against its source, then adapt or drop the fixes.`,
    );
  }
}

/** Throws if Node's net.Socket no longer starts and stops its handle the way stopReading expects. */
export function assertNodeInternals(read: object = Socket.prototype._read, pause: object = Socket.prototype.pause): void {
  const readSource = Function.prototype.toString.call(read);
  const pauseSource = Function.prototype.toString.call(pause);
  if (!readSource.includes('this._handle.reading') || !readSource.includes('tryReadStart') || !pauseSource.includes('.readStop()')) {
    throw new Error(
      `Node ${process.version}'s net.Socket no longer stops and restarts reading as sticky-fixes.ts expects (_handle.reading, readStop)`,
    );
  }
}

let verified = false;
function assertInternals(): void {
  if (verified) return;
  assertStickyInternals();
  assertNodeInternals();
  verified = true;
}

function stickyVersion(): string {
  const file = join(dirname(require.resolve('@socket.io/sticky')), 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
