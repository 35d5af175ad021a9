import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MessagesModule } from '../messages/messages.module';
import { ModerationModule } from '../moderation/moderation.module';
import { RoomsDataModule } from '../rooms/rooms-data.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ChatGateway } from './chat.gateway';

@Module({
  imports: [AuthModule, RoomsDataModule, MessagesModule, RoomsModule, ModerationModule],
  providers: [ChatGateway],
})
export class RealtimeModule {}
