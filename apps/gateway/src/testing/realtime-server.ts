import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connectClient, type Socket as ClientSocket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '@chat/contracts';
import { type ChatServer, RealtimeRepository, type SocketData } from '../repositories/realtime.repository';
import { socketRoom } from '../repositories/socket-rooms';
import type { RealServices } from './real-services';

export type TestClient = ClientSocket<ServerToClientEvents, ClientToServerEvents>;

/**
 * A real Socket.IO server on a loopback port, attached to a RealtimeRepository, and clients that
 * connect to it as a given user. The connection middleware is reduced to what RealtimeRepository
 * relies on: each socket in its user's room, `socket.data.auth` holding its token id. Single
 * process, so the in-memory adapter stands in for the Redis one.
 */
export interface RealtimeServer {
  realtime: RealtimeRepository;
  /** A socket of `userId` (token `jti`), joined to the given rooms, once connected. */
  connect(userId: number, options?: { rooms?: number[]; jti?: string }): Promise<TestClient>;
}

interface Handshake {
  userId: number;
  jti: string;
  rooms: number[];
}

export async function startRealtimeServer(services: Pick<RealServices, 'onClose'>): Promise<RealtimeServer> {
  const http = createServer();
  const io: ChatServer = new Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>(http);
  io.on('connection', (socket) => {
    const { userId, jti, rooms } = socket.handshake.auth as Handshake;
    const now = Math.floor(Date.now() / 1000);
    socket.data = {
      auth: { id: userId, role: 'user', jti, iat: now, issuedAtMs: Date.now(), exp: now + 3600 },
      user: { id: userId, email: null, nickname: `user-${userId}`, role: 'user', createdAt: new Date().toISOString() },
    };
    void socket.join([socketRoom.user(userId), ...rooms.map(socketRoom.room)]);
  });
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clients: TestClient[] = [];
  services.onClose(async () => {
    for (const client of clients) client.disconnect();
    await io.close();
  });

  const realtime = new RealtimeRepository();
  realtime.attach(io);
  return {
    realtime,
    async connect(userId, options = {}) {
      const auth: Handshake = { userId, jti: options.jti ?? `jti-${userId}`, rooms: options.rooms ?? [] };
      const client: TestClient = connectClient(url, { auth: { ...auth }, transports: ['websocket'], forceNew: true, reconnection: false });
      clients.push(client);
      await new Promise<void>((resolve, reject) => {
        client.once('connect', resolve);
        client.once('connect_error', reject);
      });
      return client;
    },
  };
}

/** What the client receives next of `event`, or a rejection naming it after `timeoutMs`. */
export function nextEvent<E extends keyof ServerToClientEvents>(
  client: TestClient,
  event: E,
  timeoutMs = 2_000,
): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(event, listener as never);
      reject(new Error(`no ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (payload: Parameters<ServerToClientEvents[E]>[0]) => {
      clearTimeout(timer);
      resolve(payload);
    };
    client.once(event, listener as never);
  });
}

/** Every `event` the client receives from now on, in order. */
export function collect<E extends keyof ServerToClientEvents>(client: TestClient, event: E): Parameters<ServerToClientEvents[E]>[0][] {
  const received: Parameters<ServerToClientEvents[E]>[0][] = [];
  client.on(event, ((payload: Parameters<ServerToClientEvents[E]>[0]) => received.push(payload)) as never);
  return received;
}

/** Resolves when the server has closed the client's connection. */
export function disconnected(client: TestClient): Promise<void> {
  return new Promise((resolve) => client.once('disconnect', () => resolve()));
}
