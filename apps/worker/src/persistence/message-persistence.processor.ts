import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnModuleInit } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { JobName, type JobPayloads, QueueName } from '@chat/contracts';
import { MessageWriter } from './message-writer';

type PersistJob = Job<JobPayloads[typeof JobName.PersistMessage], void, typeof JobName.PersistMessage>;

/** Consumes accepted messages and writes them to MySQL; a failure is retried with backoff by BullMQ. */
@Processor(QueueName.Messages)
export class MessagePersistenceProcessor extends WorkerHost implements OnModuleInit {
  private readonly logger = new Logger(MessagePersistenceProcessor.name);

  constructor(
    private readonly writer: MessageWriter,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.worker.concurrency;
    this.worker.on('failed', (job, error) => {
      const attempts = job ? `${job.attemptsMade}/${job.opts.attempts ?? 1}` : '?';
      this.logger.warn(`job ${job?.id ?? '?'} failed (attempt ${attempts}): ${error.message}`);
    });
  }

  async process(job: PersistJob): Promise<void> {
    switch (job.name) {
      case JobName.PersistMessage:
        await this.writer.write([job.data]);
        return;
    }
  }
}
