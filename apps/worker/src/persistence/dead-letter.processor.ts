import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { type Job, UnrecoverableError } from 'bullmq';
import { type DeadMessageJob, QueueName } from '@chat/contracts';
import { BatchWriter, described } from './batch-writer';

/**
 * The dead-letter queue's jobs, parked and retried. A new dead letter fails at once, unrecoverably,
 * so it rests as a failed job with its message and last error: what an operator inspects in the
 * dead-letter UI (/admin/queues). Retrying it there (BullMQ keeps its attempts count, so the
 * second run is told from the first) writes the message through the same idempotent insert as
 * every other: stored once, however often it is retried, and also if it had been stored meanwhile.
 * A retry that fails again parks the job as failed again, with the new error.
 */
@Processor(QueueName.DeadLetters, { concurrency: 1 })
export class DeadLetterProcessor extends WorkerHost {
  private readonly logger = new Logger(DeadLetterProcessor.name);

  constructor(private readonly batches: BatchWriter) {
    super();
  }

  async process(job: Job<DeadMessageJob>): Promise<void> {
    const { message, error } = job.data;
    if (job.attemptsMade === 0) throw new UnrecoverableError(`dead letter, retry it from /admin/queues: ${error}`);
    await this.batches.write(message);
    this.logger.log(`dead letter ${described(message)} (room ${message.roomId}, seq ${message.seq}) stored on retry`);
  }
}
