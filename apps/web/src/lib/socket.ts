import { io, type Socket } from 'socket.io-client';
import { SOCKET_RECONNECTION } from '@chat/contracts';
import type { Ack, AckOf, ClientEventName, ClientToServerEvents, ErrorCode, PayloadOf, ServerToClientEvents } from '@chat/contracts';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A refused client event: the ack's `{ ok: false, error }`. */
export class SocketError extends Error {
  constructor(
    readonly code: ErrorCode | 'TIMEOUT',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The page's own origin, where nginx routes /socket.io/ to the gateways. The socket follows every
 * room of mine (`rooms: 'all'`): the server puts it in each of them at connect and in those I get
 * later, so the room list is live without a `join_room` per room. A lost connection is retried
 * with jittered exponential backoff (1 s doubling to 30 s), so the clients of a replica that died
 * do not all come back in the same second.
 */
export function openSocket(token: string): ChatSocket {
  return io({ auth: { token, rooms: 'all' }, ...SOCKET_RECONNECTION });
}

/**
 * Emits a client event and resolves with its ack data. While the socket is down the emit waits
 * in Socket.IO's buffer, so the timeout is also how long a send may wait for a reconnect.
 */
export async function emit<E extends ClientEventName>(
  socket: ChatSocket,
  event: E,
  payload: PayloadOf<E>,
  timeoutMs = 10_000,
): Promise<AckOf<E>> {
  const timed = socket.timeout(timeoutMs);
  // Socket.IO's emit types cannot follow a generic event name; the contract's event maps keep the call sites exact.
  const emitWithAck = timed.emitWithAck as unknown as (event: E, payload: PayloadOf<E>) => Promise<Ack<AckOf<E>>>;
  let ack: Ack<AckOf<E>>;
  try {
    ack = await emitWithAck.call(timed, event, payload);
  } catch {
    throw new SocketError('TIMEOUT', 'The server did not answer in time. Check your connection and try again.');
  }
  if (!ack.ok) throw new SocketError(ack.error.code, ack.error.message);
  return ack.data;
}
