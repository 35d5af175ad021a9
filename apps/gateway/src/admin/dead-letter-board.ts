import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { type ConnectionOptions, Queue } from 'bullmq';
import type { Router } from 'express';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { QueueName, redisKeys } from '@chat/contracts';
import { bullConnection, keyLayout } from '@chat/redis';
import { ADMIN_QUEUES_PATH } from './admin-session';

/**
 * bull-board over the persistence queue (read only) and its dead-letter queue, where a dead
 * letter can be read (message, error, attempts) and retried (apps/worker DeadLetterProcessor
 * stores it then, once). Its queue connections open on the first request, so a replica no
 * admin looks at holds none.
 */
@Injectable()
export class DeadLetterBoard implements OnApplicationShutdown {
  private queues: Queue[] = [];
  private board?: Router;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  router(): Router {
    if (this.board) return this.board;
    const { redis } = this.config;
    const prefix = redisKeys(redis.prefix, keyLayout(redis)).bullPrefix;
    // BullMQ declares its own copy of ioredis's option types; the objects are ioredis's.
    const queue = (name: string) => new Queue(name, { connection: bullConnection(redis.queue, 'producer') as ConnectionOptions, prefix });
    const messages = queue(QueueName.Messages);
    const deadLetters = queue(QueueName.DeadLetters);
    this.queues = [messages, deadLetters];
    const server = new ExpressAdapter();
    server.setBasePath(ADMIN_QUEUES_PATH);
    createBullBoard({
      queues: [
        new BullMQAdapter(deadLetters, {
          displayName: 'Dead letters',
          description: 'Acknowledged messages the worker gave up on: retry stores one once.',
          allowRetries: true,
        }),
        new BullMQAdapter(messages, { displayName: 'Messages to persist', readOnlyMode: true }),
      ],
      serverAdapter: server,
      options: { uiConfig: { boardTitle: 'Chat queues' } },
    });
    this.board = server.getRouter() as Router;
    return this.board;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
  }
}
