import { Module } from '@nestjs/common';
import { RepositoriesModule } from '../repositories/repositories.module';
import { PresenceGateway } from './presence.gateway';
import { PresenceService } from './presence.service';

@Module({
  imports: [RepositoriesModule],
  providers: [PresenceService, PresenceGateway],
})
export class PresenceModule {}
