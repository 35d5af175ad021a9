import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MessagesModule } from '../messages/messages.module';
import { UsersDataModule } from '../users/users-data.module';
import { MembershipNotes } from './membership-notes';
import { RoomsDataModule } from './rooms-data.module';
import { RoomsController } from './rooms.controller';
import { RoomsService } from './rooms.service';

@Module({
  imports: [AuthModule, RoomsDataModule, UsersDataModule, MessagesModule],
  controllers: [RoomsController],
  providers: [RoomsService, MembershipNotes],
  exports: [RoomsService],
})
export class RoomsModule {}
