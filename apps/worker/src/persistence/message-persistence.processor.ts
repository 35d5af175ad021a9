import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnModuleInit } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { Counter } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { type DeadMessageJob, JobName, type JobPayloads, type PersistMessageJob, QueueName } from '@chat/contracts';
import { BatchWriter, described } from './batch-writer';

type PersistJob =
  | Job<JobPayloads[typeof JobName.PersistMessage], void, typeof JobName.PersistMessage>
  | Job<JobPayloads[typeof JobName.PersistMessages], void, typeof JobName.PersistMessages>;

/** Some messages of a job were not written; only they are retried in effect (the others are no-ops). */
class PersistFailure extends Error {
  constructor(
    readonly failed: PersistMessageJob[],
    cause: unknown,
  ) {
    super(`${failed.length} message(s) not written: ${(cause as Error).message}`);
  }
}

const deadLettered = new Counter({
  name: 'chat_messages_dead_lettered_total',
  help: 'Messages moved to the dead-letter queue after their last failed attempt',
});

const retried = new Counter({
  name: 'chat_persist_job_retries_total',
  help: 'Persistence jobs that failed an attempt and will be retried with backoff',
});

/**
 * Consumes accepted messages and writes them to MySQL in batches. A failure is retried with
 * backoff by BullMQ; a message that fails every attempt goes to the dead-letter queue (and the
 * log and metrics) and holds back nothing else: no job waits for another.
 */
// A killed worker's jobs are taken over once their lock lapses: 10 s, not BullMQ's default 30.
@Processor(QueueName.Messages, { lockDuration: 10_000, stalledInterval: 5_000 })
export class MessagePersistenceProcessor extends WorkerHost implements OnModuleInit {
  private readonly logger = new Logger(MessagePersistenceProcessor.name);

  constructor(
    private readonly batches: BatchWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.DeadLetters) private readonly deadLetters: Queue<DeadMessageJob>,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.worker.concurrency;
    this.worker.on('failed', (job, error) => {
      if (!job) return;
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade < attempts) {
        retried.inc();
        this.logger.warn(`job ${job.id} failed (attempt ${job.attemptsMade}/${attempts}), will retry: ${error.message}`);
        return;
      }
      void this.bury(job as PersistJob, error);
    });
  }

  async process(job: PersistJob): Promise<void> {
    switch (job.name) {
      case JobName.PersistMessage:
        return this.writeAll([job.data]);
      case JobName.PersistMessages:
        return this.writeAll(job.data.messages);
    }
  }

  private async writeAll(messages: PersistMessageJob[]): Promise<void> {
    const results = await Promise.allSettled(messages.map((message) => this.batches.write(message)));
    const failed = messages.filter((_, i) => results[i]?.status === 'rejected');
    const firstError = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (firstError) throw new PersistFailure(failed, firstError.reason);
  }

  private async bury(job: PersistJob, error: Error): Promise<void> {
    const messages = error instanceof PersistFailure ? error.failed : job.name === JobName.PersistMessage ? [job.data] : job.data.messages;
    for (const message of messages) {
      deadLettered.inc();
      const { id, roomId, seq } = message;
      this.logger.error(
        `message ${described(message)} (room ${roomId}, seq ${seq}) dead-lettered after ${job.attemptsMade} attempts: ${error.message}`,
      );
      const dead: DeadMessageJob = { message, error: error.message, attempts: job.attemptsMade, failedAt: new Date().toISOString() };
      await this.deadLetters
        .add(JobName.DeadMessage, dead, { jobId: id, removeOnComplete: false, removeOnFail: false })
        .catch((cause: Error) => this.logger.error(`dead-lettering ${id} failed: ${cause.message}`));
    }
  }
}
