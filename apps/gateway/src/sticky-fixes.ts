import cluster, { type Worker } from 'node:cluster';
import type { Server as HttpServer } from 'node:http';
import { createServer, type Server, Socket } from 'node:net';

/**
 * Two races in @socket.io/sticky's primary, closed from the outside (its routing is unchanged).
 */

/**
 * 1. The primary learns which worker owns a new Engine.IO session from an IPC message the worker
 * sends at handshake. A fast client's next request (carrying `?sid=`) can reach the primary first;
 * sticky then balances it to any worker, which answers "Session ID unknown". So connections are
 * accepted here, and one naming a session the primary has not heard of yet waits for that binding
 * (briefly) before sticky routes it.
 */
export function acceptAfterSessionBinding(httpServer: HttpServer, maxWaitMs = 1_000): Server {
  const bound = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();
  cluster.on('message', (_worker, message: { type?: string; data?: unknown }) => {
    if (typeof message?.data !== 'string') return;
    if (message.type === 'sticky:connection') {
      bound.add(message.data);
      for (const wake of waiting.get(message.data) ?? []) wake();
      waiting.delete(message.data);
    } else if (message.type === 'sticky:disconnection') {
      bound.delete(message.data);
    }
  });
  const bindingOf = (sid: string) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, maxWaitMs); // an expired session: let the worker say so
      waiting.set(sid, [...(waiting.get(sid) ?? []), () => (clearTimeout(timer), resolve())]);
    });

  return createServer({ pauseOnConnect: true }, (socket) => {
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      const sid = /[?&]sid=([\w-]{20})/.exec(chunk.subarray(0, chunk.indexOf('\r\n')).toString())?.[1];
      const ready = sid && !bound.has(sid) ? bindingOf(sid) : Promise.resolve();
      void ready.then(() => {
        socket.unshift(chunk);
        httpServer.emit('connection', socket);
        socket.resume();
      });
    });
    socket.resume();
  });
}

/**
 * 2. Sticky passes a connection's handle to a worker while the primary's socket is still reading,
 * so bytes the client sends during the hand-off (a WebSocket client's CONNECT frame, right after
 * the upgrade response) can be read by the primary and lost. Pausing the socket first leaves
 * them in the kernel buffer, which travels with the handle.
 */
export function stopReadingOnHandOff(worker: Worker): Worker {
  const send = worker.send.bind(worker) as (...args: unknown[]) => boolean;
  worker.send = (message: unknown, handle?: unknown, ...rest: unknown[]) => {
    if (handle instanceof Socket) handle.pause();
    return send(message, handle, ...rest);
  };
  return worker;
}
