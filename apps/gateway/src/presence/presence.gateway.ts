import { Logger } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayDisconnect, WebSocketGateway } from '@nestjs/websockets';
import type { ChatSocket } from '../repositories/realtime.repository';
import { PresenceService } from './presence.service';

/** Connections and disconnections, as presence sees them; a failure is logged, never a refused socket. */
@WebSocketGateway()
export class PresenceGateway implements OnGatewayConnection<ChatSocket>, OnGatewayDisconnect<ChatSocket> {
  private readonly logger = new Logger(PresenceGateway.name);

  constructor(private readonly presence: PresenceService) {}

  async handleConnection(socket: ChatSocket): Promise<void> {
    if (!socket.data.firstSocket) return;
    await this.presence.connected(socket.data.user.id).catch((error: Error) => this.logger.warn(`presence (connect): ${error.message}`));
  }

  async handleDisconnect(socket: ChatSocket): Promise<void> {
    const { user } = socket.data;
    if (!user) return; // refused by the auth middleware
    await this.presence
      .disconnected(user.id, socket.id)
      .catch((error: Error) => this.logger.warn(`presence (disconnect): ${error.message}`));
  }
}
