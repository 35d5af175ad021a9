import { Injectable } from '@nestjs/common';
import { MessagesRepository } from '../repositories/messages.repository';
import { needsStoring, type Reservation, SequenceRepository } from '../repositories/sequence.repository';
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
    const [reservation] = await this.sequence.reserve([draft]);
    const { id, seq, createdAt } = reservation;
    if (needsStoring(reservation, draft)) await this.messages.insertNow(persistJob(draft, id, seq, createdAt));
    return reservation;
  }
}
