import { type DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@chat/config';
import { AttachmentsModule } from '../attachments';
import { CommonModule } from '../common/common.module';
import { RealtimeModule } from '../realtime';
import { RoomsModule } from '../rooms';
import { DirectSink } from './direct.sink';
import { MessageChanges } from './message-changes';
import { MessageDeletion } from './message-deletion';
import { MessageHistory } from './message-history';
import { MessagePublisher } from './message-publisher';
import { MessageReferences } from './message-references';
import { MessageSink } from './message-sink';
import { MessagesController } from './messages.controller';
import { MessagesGateway } from './messages.gateway';
import { QueueSink } from './queue.sink';
import { StoredMessages } from './stored-messages';

@Module({})
export class MessagesModule {
  /** PERSISTENCE_MODE picks the sink: `queue` in production, `direct` only as the benchmark's baseline. */
  static register(persistence: AppConfig['gateway']['persistence']): DynamicModule {
    return {
      module: MessagesModule,
      imports: [RealtimeModule, RoomsModule, CommonModule, AttachmentsModule],
      controllers: [MessagesController],
      providers: [
        MessagePublisher,
        MessageHistory,
        MessageDeletion,
        MessageReferences,
        MessageChanges,
        StoredMessages,
        MessagesGateway,
        { provide: MessageSink, useClass: persistence === 'direct' ? DirectSink : QueueSink },
      ],
    };
  }
}
