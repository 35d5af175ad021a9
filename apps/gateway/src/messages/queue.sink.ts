import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { JobName, type JobPayloads, QueueName } from '@chat/contracts';
import { needsStoring, type Reservation, SequenceRepository } from '../repositories/sequence.repository';
import { type Draft, MessageSink, persistJob } from './message-sink';

/**
 * Given with every job rather than as queue defaults, so no registration of the queue can lose
 * them: 12 attempts, retried after 0.5 s, 1 s, 2 s … 512 s (about 17 minutes in all), ride out a
 * MySQL outage; then the worker dead-letters the messages that still fail.
 */
const PERSIST_JOB_OPTIONS: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 500 },
  // Bounded history (BullMQ's production guide): completed jobs are only an audit trail.
  removeOnComplete: { count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** Keeps one job's payload far below a megabyte even for long messages. */
const MAX_PER_JOB = 200;

interface Waiting {
  draft: Draft;
  resolve: (reservation: Reservation) => void;
  reject: (error: unknown) => void;
}

/**
 * Numbers accepted messages and makes them durable, in batches like a group commit. A BullMQ job
 * costs a few scripts in Redis and in the worker whatever it holds, and a job per message made that
 * the cluster's largest cost. So a gateway handles at most one batch per QUEUE_LINGER_MS: a
 * message after a quiet spell goes at once, and those that follow gather for the next batch
 * (while one is in flight, too). A batch takes its seqs in one script and goes to BullMQ as one
 * job, so a gateway broadcasts its messages in seq order. Each sender waits until its own message
 * is in Redis.
 * Jobs have their own ids (not a message's): a retried message may travel in a second job, and
 * the worker's writes are idempotent.
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
    @InjectQueue(QueueName.Messages) private readonly queue: Queue<JobPayloads[typeof JobName.PersistMessages]>,
    private readonly sequence: SequenceRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super();
    this.lingerMs = config.gateway.queueLingerMs;
  }

  /** Durable once this resolves: Redis has the job. */
  accept(draft: Draft): Promise<Reservation> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ draft, resolve, reject });
      this.schedule();
    });
  }

  /** The next add: when the last one is in and QUEUE_LINGER_MS after it started (at once if that has passed). */
  private schedule(): void {
    if (this.adding || this.timer !== undefined || this.waiting.length === 0) return;
    const wait = this.lastAddAt + this.lingerMs - performance.now();
    this.timer = wait > 0 ? setTimeout(() => void this.flush(), wait) : setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.timer = undefined;
    this.adding = true;
    this.lastAddAt = performance.now();
    const batch = this.waiting.splice(0, MAX_PER_JOB);
    try {
      const reservations = await this.sequence.reserve(batch.map((w) => w.draft));
      const queued: { waiting: Waiting; reservation: Reservation }[] = [];
      batch.forEach((waiting, i) => {
        const reservation = reservations[i];
        if (needsStoring(reservation, waiting.draft)) queued.push({ waiting, reservation });
        else waiting.resolve(reservation);
      });
      if (queued.length > 0) {
        const messages = queued.map(({ waiting: { draft }, reservation: { id, seq, createdAt } }) => persistJob(draft, id, seq, createdAt));
        await this.queue.add(JobName.PersistMessages, { messages }, PERSIST_JOB_OPTIONS).then(
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
}
