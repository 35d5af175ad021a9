import { Module } from '@nestjs/common';
import { RepositoriesModule } from '../repositories/repositories.module';
import { PresenceGateway } from './presence.gateway';
import { PresenceService } from './presence.service';
import { ReplicaRegistry } from './replica-registry';

@Module({
  imports: [RepositoriesModule],
  providers: [PresenceService, PresenceGateway, ReplicaRegistry],
})
export class PresenceModule {}
