import assert from 'node:assert/strict';
import type { ServerEventName, ServerToClientEvents, Session } from '@chat/contracts';
import { type ChatClient, connect, request } from './clients';
import type { ClusterFixture } from './fixture';

export type EventPayload<E extends ServerEventName> = Parameters<ServerToClientEvents[E]>[0];

/**
 * A socket of `session` on the cluster's replica `index`, connected to that replica's own port:
 * nginx balances by load, so a socket opened through it may land on either replica, and a test of
 * an effect that must cross replicas has to know where each socket is. Joins `room` when given.
 * Closed with the cluster's other tracked resources.
 */
export async function socketOnReplica(t: ClusterFixture, session: Session, index: number, room?: number): Promise<ChatClient> {
  const replica = t.cluster.replicas[index] ?? assert.fail(`the cluster has no replica ${index}`);
  const { socket, ready } = await connect(`http://127.0.0.1:${replica.port}`, session.access_token);
  t.track(socket);
  assert.equal(ready.replica, replica.name, 'the socket landed on the replica it was opened on');
  if (room !== undefined) {
    const joined = await request(socket, 'join_room', room);
    if (!joined.ok) throw new Error(`join_room ${room}: ${JSON.stringify(joined)}`);
  }
  return socket;
}

/** Every `event` the socket receives from now on that satisfies `match`, in arrival order. */
export function recordEvents<E extends ServerEventName>(
  socket: ChatClient,
  event: E,
  match: (payload: EventPayload<E>) => boolean = () => true,
): EventPayload<E>[] {
  const seen: EventPayload<E>[] = [];
  const listener = (payload: EventPayload<E>) => {
    if (match(payload)) seen.push(payload);
  };
  socket.on(event, listener as never);
  return seen;
}
