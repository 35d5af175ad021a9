import { Module } from '@nestjs/common';
import { CommonModule } from '../common/common.module';
import { RoomsModule } from '../rooms';
import { MembersController } from './members.controller';
import { ModerationGateway } from './moderation.gateway';
import { ModerationService } from './moderation.service';

@Module({
  imports: [RoomsModule, CommonModule],
  controllers: [MembersController],
  providers: [ModerationService, ModerationGateway],
})
export class ModerationModule {}
