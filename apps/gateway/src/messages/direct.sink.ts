import { Injectable } from '@nestjs/common';
import { MessagesRepository } from '../repositories/messages.repository';
import { isRefusal, type Reservation, sameRoom, SequenceRepository } from '../repositories/sequence.repository';
import { type Draft, MessageSink, persistJob, sendingTooFast } from './message-sink';

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
    if (isRefusal(admission)) throw sendingTooFast(admission.retryAfterMs);
    if (!sameRoom(admission, draft)) return admission;
    // A retry whose row is there was stored (and broadcast) by the first attempt.
    if (admission.retry && (admission.acked || (await this.messages.exists(admission.id)))) return { ...admission, acked: true };
    const { id, seq, createdAt } = admission;
    await this.messages.insertNow(persistJob(draft, id, seq, createdAt));
    return admission;
  }
}
