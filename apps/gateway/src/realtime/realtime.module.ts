import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MessagesModule } from '../messages/messages.module';
import { ModerationModule } from '../moderation/moderation.module';
import { RoomsDataModule } from '../rooms/rooms-data.module';
import { RoomsModule } from '../rooms/rooms.module';
import { ChatGateway } from './chat.gateway';
import { EventBudgetGuard } from './event-budget.guard';

@Module({
  imports: [AuthModule, RoomsDataModule, MessagesModule, RoomsModule, ModerationModule],
  providers: [ChatGateway, EventBudgetGuard],
})
export class RealtimeModule {}
