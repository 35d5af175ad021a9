import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { MessageStreamRepository } from '../repositories/message-stream.repository';
import { MessagesRepository } from '../repositories/messages.repository';
import { RecentMessageRepository } from '../repositories/recent-message.repository';
import { type Admission, type Reservation, SequenceRepository } from '../repositories/sequence.repository';
import { type Draft, MessageSink, persistJob } from './message-sink';

/** Keeps one stream entry far below a megabyte even for long messages. */
const MAX_PER_BATCH = 200;

interface Waiting {
  draft: Draft;
  resolve: (reservation: Reservation) => void;
  reject: (error: unknown) => void;
}

/**
 * Numbers accepted messages and makes them durable, in batches like a group commit: what Redis
 * costs per batch (a script call, a stream append) is then shared by its messages. A gateway
 * handles at most one batch per QUEUE_LINGER_MS: a message after a quiet spell goes at once, and
 * those that follow gather for the next batch (while one is in flight, too). A batch is admitted
 * (budgets, seqs, clientMsgId records) in one script on the state role and appended to the
 * message stream as one entry on the queue role, so a gateway broadcasts its messages in seq
 * order. Each sender waits until its own message is durable.
 */
@Injectable()
export class QueueSink extends MessageSink {
  readonly storedOnAccept = false;
  private waiting: Waiting[] = [];
  private timer?: NodeJS.Timeout | NodeJS.Immediate;
  private adding = false;
  private lastAddAt = -Infinity;
  private readonly lingerMs: number;

  constructor(
    private readonly sequence: SequenceRepository,
    private readonly stream: MessageStreamRepository,
    private readonly recent: RecentMessageRepository,
    private readonly messages: MessagesRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super();
    this.lingerMs = config.gateway.queueLingerMs;
  }

  /** Durable once this resolves: the queue has it. */
  accept(draft: Draft): Promise<Reservation> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ draft, resolve, reject });
      this.schedule();
    });
  }

  /** The next batch: when the last one is in and QUEUE_LINGER_MS after it started (at once if that has passed). */
  private schedule(): void {
    if (this.adding || this.timer !== undefined || this.waiting.length === 0) return;
    const wait = this.lastAddAt + this.lingerMs - performance.now();
    this.timer = wait > 0 ? setTimeout(() => void this.flush(), wait) : setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    this.adding = true;
    this.lastAddAt = performance.now();
    const batch = this.waiting.splice(0, MAX_PER_BATCH);
    try {
      const admissions = await this.sequence.reserve(batch.map((w) => w.draft));
      // The reservations still to store, in the batch's order; the others are answered here.
      const toStore = await Promise.all(batch.map((waiting, i) => this.settle(waiting, admissions[i])));
      const queued = batch.flatMap((waiting, i) => (toStore[i] ? [{ waiting, reservation: toStore[i] }] : []));
      if (queued.length > 0) {
        const messages = queued.map(({ waiting: { draft }, reservation: { id, seq, createdAt } }) => persistJob(draft, id, seq, createdAt));
        await this.stream.append(messages).then(
          () => queued.forEach(({ waiting, reservation }) => waiting.resolve(reservation)),
          (error: unknown) => queued.forEach(({ waiting }) => waiting.reject(error)),
        );
      }
    } catch (error) {
      for (const w of batch) w.reject(error);
    } finally {
      this.adding = false;
      this.schedule();
    }
  }

  /** Answers the sender of a message that needs no storing (MessageSink.triage); returns the reservation of one that does. */
  private async settle(waiting: Waiting, admission: Admission): Promise<Reservation | undefined> {
    try {
      const triaged = await this.triage(admission, waiting.draft);
      if ('store' in triaged) return triaged.store;
      waiting.resolve(triaged.reply);
    } catch (error) {
      waiting.reject(error);
    }
    return undefined;
  }

  /**
   * Whether a retried message was already made durable and broadcast: the publisher adds it to
   * the read cache after its broadcast, and the worker takes it out only once its row is in
   * MySQL. Asked only on a retry, so it costs a send nothing. If MySQL cannot say, the retry is
   * stored and broadcast again: the worker writes an id once, and receivers drop a repeated id.
   */
  protected async delivered({ roomId, seq, id }: Reservation): Promise<boolean> {
    return (await this.recent.has(roomId, seq, id)) || (await this.messages.exists(id).catch(() => false));
  }
}
