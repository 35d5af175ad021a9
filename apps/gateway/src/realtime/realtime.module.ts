import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MessagesModule } from '../messages/messages.module';
import { RoomsDataModule } from '../rooms/rooms-data.module';
import { ChatGateway } from './chat.gateway';

@Module({
  imports: [AuthModule, RoomsDataModule, MessagesModule],
  providers: [ChatGateway],
})
export class RealtimeModule {}
