import { Injectable } from '@nestjs/common';
import { MessagesRepository } from '../repositories/messages.repository';
import { type Reservation, SequenceRepository } from '../repositories/sequence.repository';
import { type Draft, MessageSink, persistJob } from './message-sink';

/**
 * The benchmark's baseline (PERSISTENCE_MODE=direct), never production: each message is numbered,
 * then written to MySQL in its own transaction before it is broadcast.
 */
@Injectable()
export class DirectSink extends MessageSink {
  readonly storedOnAccept = true;

  constructor(
    private readonly sequence: SequenceRepository,
    private readonly messages: MessagesRepository,
  ) {
    super();
  }

  async accept(draft: Draft): Promise<Reservation> {
    const [admission] = await this.sequence.reserve([draft]);
    const triaged = await this.triage(admission, draft);
    if ('reply' in triaged) return triaged.reply;
    const { id, seq, createdAt } = triaged.store;
    await this.messages.insertNow(persistJob(draft, id, seq, createdAt));
    return triaged.store;
  }

  /** A retry whose row is there was stored (and broadcast) by the first attempt. */
  protected delivered({ id }: Reservation): Promise<boolean> {
    return this.messages.exists(id);
  }
}
