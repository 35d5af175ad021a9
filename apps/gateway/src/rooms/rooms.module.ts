import { Module } from '@nestjs/common';
import { CommonModule } from '../common/common.module';
import { RealtimeModule } from '../realtime';
import { LiveRoomState } from './live-room-state';
import { ReadReceipts } from './read-receipts';
import { RoomAccess } from './room-access';
import { RoomViews } from './room-views';
import { RoomsController } from './rooms.controller';
import { RoomsGateway } from './rooms.gateway';
import { RoomsService } from './rooms.service';

@Module({
  imports: [RealtimeModule, CommonModule],
  controllers: [RoomsController],
  providers: [RoomsService, RoomAccess, RoomsGateway, RoomViews, LiveRoomState, ReadReceipts],
  exports: [RoomAccess, RoomViews, LiveRoomState, RealtimeModule],
})
export class RoomsModule {}
