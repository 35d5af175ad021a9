import { Injectable } from '@nestjs/common';
import type { BroadcastOperator, Server, Socket } from 'socket.io';
import type { ClientToServerEvents, MessageSender, PublicUser, ServerToClientEvents } from '@chat/contracts';
import type { AuthUser } from '../auth/auth-user';
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
type Broadcast = BroadcastOperator<ServerToClientEvents, SocketData>;

/**
 * The cluster-wide Socket.IO server as the services see it. Every call goes through the Redis
 * adapter, so it reaches (or removes) sockets on every replica at once; there is no registry of
 * our own to drift out of date.
 */
@Injectable()
export class RealtimeServer {
  private server?: ChatServer;

  attach(server: ChatServer): void {
    this.server = server;
  }

  toRoom(roomId: number): Broadcast {
    return this.io.to(socketRoom.room(roomId));
  }

  toUser(userId: number): Broadcast {
    return this.io.to(socketRoom.user(userId));
  }

  /** Sockets in the room, and every socket of the given users (each reached once). */
  toRoomAndUsers(roomId: number, userIds: number[]): Broadcast {
    return this.io.to([socketRoom.room(roomId), ...userIds.map(socketRoom.user)]);
  }

  /** The user's sockets stop receiving the room (kick, ban, leave). */
  removeFromRoom(userId: number, roomId: number): void {
    this.io.in(socketRoom.user(userId)).socketsLeave(socketRoom.room(roomId));
  }

  /** Every socket leaves the room (room deleted). */
  closeRoom(roomId: number): void {
    this.io.in(socketRoom.room(roomId)).socketsLeave(socketRoom.room(roomId));
  }

  /**
   * The user's sockets opened with this token, wherever they are. Asked of the user's room rather
   * than kept in a room per token: in the adapter's dynamic mode every room is a Redis
   * subscription, and a logout is rare next to a connection.
   */
  async disconnectToken(userId: number, jti: string): Promise<void> {
    const sockets = await this.io.in(socketRoom.user(userId)).fetchSockets();
    for (const socket of sockets) if (socket.data.auth.jti === jti) socket.disconnect(true);
  }

  disconnectUser(userId: number): void {
    this.io.in(socketRoom.user(userId)).disconnectSockets(true);
  }

  get io(): ChatServer {
    if (!this.server) throw new Error('Socket.IO server not initialised yet');
    return this.server;
  }
}

export function senderOf(user: PublicUser): MessageSender {
  return { id: user.id, nickname: user.nickname, role: user.role };
}
