import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { Server, Socket } from 'socket.io';
import type { ClientToServerEvents, PublicUser, ServerToClientEvents } from '@chat/contracts';
import type { AuthUser } from '../common/auth-user';
import { socketRoom } from './socket-rooms';

/** What the connection middleware leaves on every socket. */
export interface SocketData {
  auth: AuthUser;
  user: PublicUser;
  /** When the token was last found not revoked (SocketAuthGuard). */
  liveCheckedAt?: number;
  /** The user's first socket across the cluster when it was admitted (socketAdmission). */
  firstSocket?: boolean;
}

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type ServerEventName = keyof ServerToClientEvents;

/**
 * Who a server event reaches: the sockets joined to a room, every socket of some users, both at
 * once (each socket once), or every socket of one user but the one `except` names. One emit
 * whatever the number of users: one message to the adapter, not one per user.
 */
export type Audience = { room: number; users?: number[] } | { users: number[] } | { user: number; except?: string };

const broadcasts = new Counter({
  name: 'chat_broadcasts_total',
  help: 'Server events this replica sent to an audience (a room, users) through the adapter, by event',
  labelNames: ['event'] as const,
});

/**
 * The cluster-wide Socket.IO server as the services see it: the only way they reach clients.
 * Every call goes through the Redis adapter, so it reaches (or removes) sockets on every replica
 * at once; there is no registry of our own to drift out of date. A gateway answers its own
 * socket directly (join, leave, relaying to the room's other sockets).
 */
@Injectable()
export class RealtimeRepository {
  private io?: ChatServer;

  /** Called once by the connection gateway when Socket.IO is up. */
  attach(server: ChatServer): void {
    this.io = server;
  }

  clientSend<E extends ServerEventName>(to: Audience, event: E, ...data: Parameters<ServerToClientEvents[E]>): void {
    broadcasts.inc({ event });
    if ('user' in to) {
      const operator = this.server.to(socketRoom.user(to.user));
      (to.except ? operator.except(to.except) : operator).emit(event, ...data);
      return;
    }
    const users = to.users?.map(socketRoom.user) ?? [];
    if (!('room' in to)) {
      if (users.length > 0) this.server.to(users).emit(event, ...data);
      return;
    }
    // One room name for the common case (every chat message): no array per broadcast.
    this.server.to(users.length > 0 ? [socketRoom.room(to.room), ...users] : socketRoom.room(to.room)).emit(event, ...data);
  }

  /** The users' sockets that follow all their rooms start receiving this one (they were added to it). */
  followRoom(userIds: number[], roomId: number): void {
    if (userIds.length > 0) this.server.in(userIds.map(socketRoom.following)).socketsJoin(socketRoom.room(roomId));
  }

  /** The user's sockets stop receiving the room (kick, ban, leave). */
  removeFromRoom(userId: number, roomId: number): void {
    this.server.in(socketRoom.user(userId)).socketsLeave(socketRoom.room(roomId));
  }

  /** Every socket leaves the room (room deleted). */
  closeRoom(roomId: number): void {
    this.server.in(socketRoom.room(roomId)).socketsLeave(socketRoom.room(roomId));
  }

  /**
   * The user's sockets opened with this token, wherever they are. Asked of the user's room rather
   * than kept in a room per token: in the adapter's dynamic mode every room is a Redis
   * subscription, and a logout is rare next to a connection.
   */
  async disconnectToken(userId: number, jti: string): Promise<void> {
    const sockets = await this.server.in(socketRoom.user(userId)).fetchSockets();
    for (const socket of sockets) if (socket.data.auth.jti === jti) socket.disconnect(true);
  }

  disconnectUser(userId: number): void {
    this.server.in(socketRoom.user(userId)).disconnectSockets(true);
  }

  /** This replica's sockets (presence refreshes their entries). */
  localSockets(): IterableIterator<ChatSocket> {
    return this.server.sockets.sockets.values();
  }

  /** Closes this replica's transports (drain): clients reconnect elsewhere. Returns how many there were. */
  closeTransports(): number {
    const count = this.server.engine.clientsCount;
    this.server.engine.close();
    return count;
  }

  /** The server itself, for the sticky-mode worker set-up at the composition root only. */
  get server(): ChatServer {
    if (!this.io) throw new Error('Socket.IO server not initialised yet');
    return this.io;
  }
}
