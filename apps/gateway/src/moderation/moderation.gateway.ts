import { ConnectedSocket, MessageBody, SubscribeMessage } from '@nestjs/websockets';
import type { Ack, Empty } from '@chat/contracts';
import type { ChatSocket } from '../repositories/realtime.repository';
import { SocketGateway } from '../realtime';
import { ModerateDto, MuteDto } from './dto/moderation-events.dto';
import { ModerationService } from './moderation.service';

const done: Ack<Empty> = { ok: true, data: {} };

@SocketGateway()
export class ModerationGateway {
  constructor(private readonly moderation: ModerationService) {}

  @SubscribeMessage('kick_user')
  async kickUser(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: ModerateDto): Promise<Ack<Empty>> {
    await this.moderation.kick(socket.data.user, dto.room, dto.userId, dto.reason);
    return done;
  }

  @SubscribeMessage('ban_user')
  async banUser(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: ModerateDto): Promise<Ack<Empty>> {
    await this.moderation.ban(socket.data.user, dto.room, dto.userId, dto.reason);
    return done;
  }

  @SubscribeMessage('mute_user')
  async muteUser(@ConnectedSocket() socket: ChatSocket, @MessageBody() dto: MuteDto): Promise<Ack<Empty>> {
    await this.moderation.update(socket.data.user, dto.room, dto.userId, { muted: dto.muted, mutedMinutes: dto.minutes });
    return done;
  }
}
