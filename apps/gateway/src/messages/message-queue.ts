import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { JobsOptions, Queue } from 'bullmq';
import { JobName, type JobPayloads, type PersistMessageJob, QueueName } from '@chat/contracts';

/**
 * Given with every job rather than as queue defaults, so no registration of the queue can lose
 * them: 12 attempts with exponential backoff from 0.5 s (about 34 minutes in all) ride out a
 * MySQL outage; then the worker dead-letters the message.
 */
const PERSIST_JOB_OPTIONS: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 500 },
  // Bounded history (BullMQ's production guide): completed jobs are only an audit trail.
  removeOnComplete: { count: 1_000 },
  removeOnFail: { age: 7 * 24 * 3600, count: 10_000 },
};

/** The producer side of the persistence queue. */
@Injectable()
export class MessageQueue {
  constructor(@InjectQueue(QueueName.Messages) private readonly queue: Queue<JobPayloads[typeof JobName.PersistMessage]>) {}

  /** Durable once this resolves (Redis has the job). The job id is the message id, so a repeat is a no-op. */
  async enqueue(job: PersistMessageJob): Promise<void> {
    await this.queue.add(JobName.PersistMessage, job, { ...PERSIST_JOB_OPTIONS, jobId: job.id });
  }
}
