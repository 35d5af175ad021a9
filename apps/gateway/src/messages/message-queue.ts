import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
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

/** Keeps one job's payload small next to a job per message; a busy turn rarely gathers more. */
const MAX_PER_JOB = 100;

interface Waiting {
  message: PersistMessageJob;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The producer side of the persistence queue. The messages accepted during one event-loop turn
 * go to Redis as one job: a BullMQ add costs a script of a dozen commands, and paying it per
 * message made Redis the bottleneck. Each sender still waits until its message is in Redis.
 * Jobs have their own ids (not a message's): a retried message may travel in a second job, and
 * the worker's writes are idempotent.
 */
@Injectable()
export class MessageQueue {
  private waiting: Waiting[] = [];

  constructor(@InjectQueue(QueueName.Messages) private readonly queue: Queue<JobPayloads[typeof JobName.PersistMessages]>) {}

  /** Durable once this resolves (Redis has the job). */
  enqueue(message: PersistMessageJob): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ message, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => void this.flush());
      else if (this.waiting.length >= MAX_PER_JOB) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    try {
      await this.queue.add(JobName.PersistMessages, { messages: batch.map((w) => w.message) }, PERSIST_JOB_OPTIONS);
      for (const w of batch) w.resolve();
    } catch (error) {
      for (const w of batch) w.reject(error);
    }
  }
}
