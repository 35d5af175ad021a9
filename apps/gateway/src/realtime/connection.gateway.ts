import { Inject, Logger } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { AuthService } from '../auth';
import { PresenceRepository } from '../repositories/presence.repository';
import { type ChatServer, type ChatSocket, RealtimeRepository } from '../repositories/realtime.repository';
import { RoomsRepository } from '../repositories/rooms.repository';
import { socketRoom } from '../repositories/socket-rooms';
import { connectThrottle } from './connect-throttle';
import { socketAdmission } from './socket-admission';
import { socketAuth } from './socket-auth';
import { socketMetrics } from './socket-metrics';

/** Longest timer Node accepts (about 24.8 days); a later expiry is cut there. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The connection itself, before any feature's events: a socket is authenticated and admitted
 * by middleware, joins its user's room (how the cluster reaches all of a user's sockets), is
 * told `ready`, and does not outlive its token.
 */
@WebSocketGateway()
export class ConnectionGateway implements OnGatewayInit<ChatServer>, OnGatewayConnection<ChatSocket> {
  private readonly logger = new Logger(ConnectionGateway.name);

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly auth: AuthService,
    private readonly presence: PresenceRepository,
    private readonly realtime: RealtimeRepository,
    private readonly rooms: RoomsRepository,
  ) {}

  afterInit(server: ChatServer): void {
    this.realtime.attach(server);
    const { ratePerSecond, burst } = this.config.gateway.connect;
    server.use(connectThrottle(ratePerSecond, burst));
    server.use(socketAuth(this.auth));
    server.use(socketAdmission(this.presence, this.logger));
  }

  async handleConnection(socket: ChatSocket): Promise<void> {
    const { user, auth } = socket.data;
    // Expired, it would otherwise keep receiving its rooms.
    const expiry = setTimeout(() => socket.disconnect(true), Math.min(Math.max(0, auth.exp * 1000 - Date.now()), MAX_TIMER_MS));
    socketMetrics.connected();
    socket.onAnyOutgoing(socketMetrics.delivered);
    socket.once('disconnect', (reason) => {
      clearTimeout(expiry);
      socketMetrics.disconnected(reason);
    });
    await socket.join([socketRoom.user(user.id), ...(await this.followedRooms(socket))]);
    socket.emit('ready', { user, replica: this.config.gateway.replicaId });
  }

  /**
   * A client that lists all of the user's rooms (the web client's room list) asks for every one
   * of them at once with `auth: { rooms: 'all' }` rather than a `join_room` each: one query, no
   * "is here" notices, and rooms the user gets later are joined for it (LiveRoomState.added).
   */
  private async followedRooms(socket: ChatSocket): Promise<string[]> {
    if ((socket.handshake.auth as { rooms?: unknown }).rooms !== 'all') return [];
    const following = socketRoom.following(socket.data.user.id);
    try {
      return [following, ...(await this.rooms.roomIdsOf(socket.data.user.id)).map(socketRoom.room)];
    } catch (error) {
      // Rooms it gets from now on still reach it; the client's room list (GET /rooms/mine) fails the same way and is retried.
      this.logger.warn(`rooms of user ${socket.data.user.id} not followed: ${(error as Error).message}`);
      return [following];
    }
  }
}
