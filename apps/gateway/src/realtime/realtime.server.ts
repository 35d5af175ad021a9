import { Injectable } from '@nestjs/common';
import type { BroadcastOperator, Server, Socket } from 'socket.io';
import type { ClientToServerEvents, MessageSender, PublicUser, ServerToClientEvents } from '@chat/contracts';
import type { AuthUser } from '../auth/auth-user';
import { socketRoom } from './socket-rooms';

/** What the connection middleware leaves on every socket. */
export interface SocketData {
  auth: AuthUser;
  user: PublicUser;
}

export type ChatServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type ChatSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/**
 * The cluster-wide Socket.IO server as the services see it: every emit goes through the Redis
 * adapter, so it reaches sockets on every replica.
 */
@Injectable()
export class RealtimeServer {
  private server?: ChatServer;

  attach(server: ChatServer): void {
    this.server = server;
  }

  toRoom(roomId: number): BroadcastOperator<ServerToClientEvents, SocketData> {
    return this.io.to(socketRoom.room(roomId));
  }

  get io(): ChatServer {
    if (!this.server) throw new Error('Socket.IO server not initialised yet');
    return this.server;
  }
}

export function senderOf(user: PublicUser): MessageSender {
  return { id: user.id, nickname: user.nickname, role: user.role };
}
