import { Module } from '@nestjs/common';
import { AttachmentsModule } from '../attachments';
import { AuthModule } from '../auth';
import { RepositoriesModule } from '../repositories/repositories.module';
import { RoomsModule } from '../rooms';
import { MessageSearch } from './message-search';
import { SearchController } from './search.controller';

/** GET /search/messages. The index itself is written by the worker (libs/database/src/search). */
@Module({
  imports: [AuthModule, RepositoriesModule, RoomsModule, AttachmentsModule],
  controllers: [SearchController],
  providers: [MessageSearch],
})
export class SearchModule {}
