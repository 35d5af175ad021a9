import { Global, Module } from '@nestjs/common';
import { RoomsDataModule } from '../rooms/rooms-data.module';
import { PresenceService } from './presence.service';
import { RealtimeServer } from './realtime.server';

/** The cluster-wide Socket.IO handle and presence, used by every feature that pushes to clients. */
@Global()
@Module({
  imports: [RoomsDataModule],
  providers: [RealtimeServer, PresenceService],
  exports: [RealtimeServer, PresenceService],
})
export class RealtimeCoreModule {}
