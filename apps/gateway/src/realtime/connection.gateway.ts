import { Inject, Logger } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway } from '@nestjs/websockets';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { AuthService } from '../auth';
import { PresenceRepository } from '../repositories/presence.repository';
import { type ChatServer, type ChatSocket, RealtimeRepository } from '../repositories/realtime.repository';
import { socketRoom } from '../repositories/socket-rooms';
import { socketAdmission } from './socket-admission';
import { socketAuth } from './socket-auth';

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
  ) {}

  afterInit(server: ChatServer): void {
    this.realtime.attach(server);
    server.use(socketAuth(this.auth));
    server.use(socketAdmission(this.presence, this.logger));
  }

  async handleConnection(socket: ChatSocket): Promise<void> {
    const { user, auth } = socket.data;
    // Expired, it would otherwise keep receiving its rooms.
    const expiry = setTimeout(() => socket.disconnect(true), Math.min(Math.max(0, auth.exp * 1000 - Date.now()), MAX_TIMER_MS));
    socket.once('disconnect', () => clearTimeout(expiry));
    await socket.join(socketRoom.user(user.id));
    socket.emit('ready', { user, replica: this.config.gateway.replicaId });
  }
}
