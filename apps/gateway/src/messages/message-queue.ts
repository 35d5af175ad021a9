import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { JobName, type JobPayloads, type PersistMessageJob, QueueName } from '@chat/contracts';

/**
 * Given with every job rather than as queue defaults, so no registration of the queue can lose
 * them: 12 attempts with exponential backoff from 0.5 s (about 34 minutes in all) ride out a
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
  message: PersistMessageJob;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The producer side of the persistence queue, batching like a group commit. A BullMQ job costs
 * a few scripts in Redis and in the worker whatever it holds, and a job per message made that
 * the cluster's largest cost. So a gateway adds at most one job per QUEUE_LINGER_MS: a message
 * after a quiet spell goes at once, and those that follow gather for the next job (while a job is
 * being added, too). Each sender still waits until its own message is in Redis.
 * Jobs have their own ids (not a message's): a retried message may travel in a second job, and
 * the worker's writes are idempotent.
 */
@Injectable()
export class MessageQueue {
  private waiting: Waiting[] = [];
  private timer?: NodeJS.Timeout | NodeJS.Immediate;
  private adding = false;
  private lastAddAt = -Infinity;
  private readonly lingerMs: number;

  constructor(
    @InjectQueue(QueueName.Messages) private readonly queue: Queue<JobPayloads[typeof JobName.PersistMessages]>,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.lingerMs = config.gateway.queueLingerMs;
  }

  /** Durable once this resolves (Redis has the job). */
  enqueue(message: PersistMessageJob): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ message, resolve, reject });
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
      await this.queue.add(JobName.PersistMessages, { messages: batch.map((w) => w.message) }, PERSIST_JOB_OPTIONS);
      for (const w of batch) w.resolve();
    } catch (error) {
      for (const w of batch) w.reject(error);
    } finally {
      this.adding = false;
      this.schedule();
    }
  }
}
