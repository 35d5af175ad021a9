import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobName, type JobPayloads, type PersistMessageJob, QueueName } from '@chat/contracts';

/** The producer side of the persistence queue. */
@Injectable()
export class MessageQueue {
  constructor(@InjectQueue(QueueName.Messages) private readonly queue: Queue<JobPayloads[typeof JobName.PersistMessage]>) {}

  /** Durable once this resolves (Redis has the job). The job id is the message id, so a repeat is a no-op. */
  async enqueue(job: PersistMessageJob): Promise<void> {
    await this.queue.add(JobName.PersistMessage, job, { jobId: job.id });
  }
}
