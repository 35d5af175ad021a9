import { Module } from '@nestjs/common';
import { CommonModule } from '../common/common.module';
import { RealtimeModule } from '../realtime';
import { RoomAccess } from './room-access';
import { RoomsController } from './rooms.controller';
import { RoomsGateway } from './rooms.gateway';
import { RoomsService } from './rooms.service';

@Module({
  imports: [RealtimeModule, CommonModule],
  controllers: [RoomsController],
  providers: [RoomsService, RoomAccess, RoomsGateway],
  exports: [RoomAccess, RealtimeModule],
})
export class RoomsModule {}
