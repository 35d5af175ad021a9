import { setTimeout as sleep } from 'node:timers/promises';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type {
  Ack,
  AckOf,
  ClientEventName,
  ClientToServerEvents,
  PayloadOf,
  ReadyEvent,
  ServerToClientEvents,
  Session,
} from '@chat/contracts';

export type ChatClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A JSON request against the public origin; returns status and parsed body. */
export async function api<T = unknown>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: T }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    // A request that hangs fails the test with its route instead of stalling the run.
    signal: AbortSignal.timeout(10_000),
  }).catch((error: Error) => {
    throw new Error(`${method} ${path}: ${error.message}`);
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

export async function login(base: string, email: string, password = '1234'): Promise<Session> {
  const { status, body } = await api<Session>(base, 'POST', '/auth/login', { body: { email, password } });
  if (status !== 200) throw new Error(`login ${email}: ${status} ${JSON.stringify(body)}`);
  return body;
}

let registered = 0;
export async function registerUser(base: string, nickname = `user${Date.now() % 100000}${registered++}`): Promise<Session> {
  const email = `${nickname}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const { status, body } = await api<Session>(base, 'POST', '/auth/register', {
    body: { email, password: 'correct horse battery', nickname },
  });
  if (status !== 201) throw new Error(`register: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Connects and resolves once the server says `ready` (or rejects on connect_error). */
export function connect(
  base: string,
  token: string | undefined,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<{ socket: ChatClient; ready: ReadyEvent }> {
  const socket: ChatClient = io(base, { auth: token ? { token } : {}, reconnection: false, transports: ['websocket'], ...options });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.close();
      reject(new Error('no ready within 10 s'));
    }, 10_000);
    socket.once('ready', (ready) => {
      clearTimeout(timer);
      resolve({ socket, ready });
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    });
  });
}

/** The next `event` on `socket` that satisfies `match`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  socket: ChatClient,
  event: E,
  match: (payload: Parameters<ServerToClientEvents[E]>[0]) => boolean = () => true,
  timeoutMs = 5_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      socket.off(event, listener as never);
      resolve(payload);
    };
    const timer = setTimeout(() => {
      socket.off(event, listener as never);
      reject(new Error(`no ${String(event)} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on(event, listener as never);
  });
}

/** Resolves once a polling-first client has upgraded to WebSocket; fails after `timeoutMs`. */
export function upgraded(socket: ChatClient, timeoutMs = 10_000): Promise<void> {
  const engine = socket.io.engine;
  if (engine.transport.name === 'websocket') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`still on ${engine.transport.name} after ${timeoutMs} ms`)), timeoutMs);
    engine.once('upgrade', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Emits a client event and resolves with its ack; fails if none comes within `timeoutMs`. */
export async function request<E extends ClientEventName>(
  socket: ChatClient,
  event: E,
  payload: PayloadOf<E>,
  timeoutMs = 5_000,
): Promise<Ack<AckOf<E>>> {
  const timed = socket.timeout(timeoutMs);
  // Socket.IO's emit types cannot follow a generic event name; the contract map keeps the call sites exact.
  const emit = timed.emitWithAck as unknown as (event: E, payload: PayloadOf<E>) => Promise<Ack<AckOf<E>>>;
  return emit.call(timed, event, payload).catch((error: Error) => {
    throw new Error(`${event}: ${error.message}`);
  });
}

/** A socket of `session` (connected through `connector`, a cluster fixture) that has joined `room`. */
export async function socketIn(
  connector: { connect(token: string): Promise<{ socket: ChatClient }> },
  session: Session,
  room: number,
): Promise<ChatClient> {
  const { socket } = await connector.connect(session.access_token);
  const joined = await request(socket, 'join_room', room);
  if (!joined.ok) throw new Error(`join_room ${room}: ${JSON.stringify(joined)}`);
  return socket;
}

/** Sends a chat message and returns its ack's data; throws on a refusal. */
export async function send(socket: ChatClient, room: number, msg: string): Promise<AckOf<'message'>> {
  const ack = await request(socket, 'message', { room, msg });
  if (!ack.ok) throw new Error(`message to room ${room}: ${JSON.stringify(ack)}`);
  return ack.data;
}

/** Posts over REST, waiting out the per-user send limit. */
export async function postWhenAllowed(base: string, session: Session, roomId: number, content: string): Promise<void> {
  for (;;) {
    const { status, body } = await api(base, 'POST', `/rooms/${roomId}/messages`, { token: session.access_token, body: { content } });
    if (status === 202) return;
    if (status !== 429) throw new Error(`post: ${status} ${JSON.stringify(body)}`);
    await sleep(500);
  }
}

/** A guest session (site role `guest`). */
export async function guest(base: string, nickname?: string): Promise<Session> {
  const { status, body } = await api<Session>(base, 'POST', '/auth/guest', { body: nickname ? { nickname } : {} });
  if (status !== 201) throw new Error(`guest: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** Creates a room as `owner` and returns its id. */
export async function createRoom(
  base: string,
  owner: Session,
  /** `name: null` leaves the room unnamed (named after its members). */
  body: { name?: string | null; isPrivate?: boolean; invitedUserIds?: number[] } = {},
): Promise<number> {
  const { status, body: room } = await api<{ id: number }>(base, 'POST', '/rooms', {
    token: owner.access_token,
    body: { name: 'test room', ...body },
  });
  if (status !== 201) throw new Error(`create room: ${status} ${JSON.stringify(room)}`);
  return room.id;
}
