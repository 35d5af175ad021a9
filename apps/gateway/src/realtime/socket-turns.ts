import type { ClientEventName } from '@chat/contracts';

/**
 * Client events whose handlers start in the order their socket sent them: each waits until the
 * socket's previous one has ended its turn. Without it, a guard or a cache miss that makes one
 * send wait (a revocation re-check, a membership read from MySQL) lets the sends behind it
 * overtake it and take lower seqs.
 */
export const ORDERED_EVENTS: ReadonlySet<string> = new Set<ClientEventName>(['message']);

/** Per socket, the end of the turn of the ordered event being handled (set by SocketDispatcher). */
const turns = new WeakMap<object, () => void>();
const noop = (): void => undefined;

/** Called by the dispatcher as an ordered event's handler starts. */
export function startTurn(socket: object, end: () => void): void {
  turns.set(socket, end);
}

/**
 * In an ordered event's handler, before its first await: the function that ends this event's
 * turn early, once what has to keep the socket's order is done (the message has its place in the
 * queue), so the socket's next event need not wait for this one's ack. The turn also ends when
 * the handler does, whether it calls that function or not.
 */
export function takeTurn(socket: object): () => void {
  const end = turns.get(socket) ?? noop;
  turns.delete(socket);
  return end;
}
