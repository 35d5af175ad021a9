import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MessagesModule } from '../messages/messages.module';
import { RoomsDataModule } from '../rooms/rooms-data.module';
import { UsersDataModule } from '../users/users-data.module';
import { MembersController } from './members.controller';
import { ModerationService } from './moderation.service';

@Module({
  imports: [AuthModule, RoomsDataModule, UsersDataModule, MessagesModule],
  controllers: [MembersController],
  providers: [ModerationService],
  exports: [ModerationService],
})
export class ModerationModule {}
