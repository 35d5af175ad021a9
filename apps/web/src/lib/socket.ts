import { io, type Socket } from 'socket.io-client';
import type { Ack, AckCallback, ClientEventName, ClientToServerEvents, ErrorCode, ServerToClientEvents } from '@chat/contracts';

export type ChatSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

type Payload<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[0];
type AckData<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[1] extends AckCallback<infer T> ? T : never;

/** A refused client event: the ack's `{ ok: false, error }`. */
export class SocketError extends Error {
  constructor(
    readonly code: ErrorCode | 'TIMEOUT',
    message: string,
  ) {
    super(message);
  }
}

/** The page's own origin, where nginx routes /socket.io/ to the gateways. */
export function openSocket(token: string): ChatSocket {
  return io({ auth: { token } });
}

/**
 * Emits a client event and resolves with its ack data. While the socket is down the emit waits
 * in Socket.IO's buffer, so the timeout is also how long a send may wait for a reconnect.
 */
export async function emit<E extends ClientEventName>(
  socket: ChatSocket,
  event: E,
  payload: Payload<E>,
  timeoutMs = 10_000,
): Promise<AckData<E>> {
  const timed = socket.timeout(timeoutMs);
  // Socket.IO's emit types cannot follow a generic event name; the contract map above keeps the call sites exact.
  const emitWithAck = timed.emitWithAck as unknown as (event: E, payload: Payload<E>) => Promise<Ack<AckData<E>>>;
  let ack: Ack<AckData<E>>;
  try {
    ack = await emitWithAck.call(timed, event, payload);
  } catch {
    throw new SocketError('TIMEOUT', 'The server did not answer in time. Check your connection and try again.');
  }
  if (!ack.ok) throw new SocketError(ack.error.code, ack.error.message);
  return ack.data;
}
