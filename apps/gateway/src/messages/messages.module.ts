import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import { QueueName } from '@chat/contracts';
import { AuthModule } from '../auth/auth.module';
import { RoomsDataModule } from '../rooms/rooms-data.module';
import { MessageQueue } from './message-queue';
import { MessagesController } from './messages.controller';
import { MessagesRepository } from './messages.repository';
import { MessagesService } from './messages.service';
import { RecentMessages } from './recent-messages';
import { SequenceService } from './sequence.service';

@Module({
  imports: [AuthModule, RoomsDataModule, BullModule.registerQueue({ name: QueueName.Messages })],
  controllers: [MessagesController],
  providers: [MessagesService, MessagesRepository, SequenceService, MessageQueue, RecentMessages],
  exports: [MessagesService, SequenceService],
})
export class MessagesModule {}
