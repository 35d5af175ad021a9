import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { MessagesModule } from '../messages/messages.module';
import { RoomsDataModule } from './rooms-data.module';
import { RoomsController } from './rooms.controller';
import { RoomsService } from './rooms.service';

@Module({
  imports: [AuthModule, RoomsDataModule, MessagesModule],
  controllers: [RoomsController],
  providers: [RoomsService],
})
export class RoomsModule {}
