import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { ConnectionOptions } from 'bullmq';
import { Cluster } from 'ioredis';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { type AppConfig, ConfigModule, pinoOptions } from '@chat/config';
import { QueueName, redisKeys } from '@chat/contracts';
import { dataSourceOptions } from '@chat/database';
import { bullConnection, keyLayout } from '@chat/redis';
import { HealthServer } from './health/health.server';
import { AttachmentSweeper } from './maintenance/attachment-sweeper';
import { GuestSweeper } from './maintenance/guest-sweeper';
import { MessagePersistenceProcessor } from './persistence/message-persistence.processor';
import { BatchWriter } from './persistence/batch-writer';
import { DeadLetterProcessor } from './persistence/dead-letter.processor';
import { MessageStreamConsumer } from './persistence/message-stream.consumer';
import { redisProviders } from './redis.providers';

/** BullMQ leaves a client it was given open (a Redis Cluster's): this quits it at shutdown. */
class GivenConnection implements OnApplicationShutdown {
  constructor(private readonly client: unknown) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.client instanceof Cluster) await this.client.quit().catch(() => undefined);
  }
}

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    const connection = bullConnection(config.redis.queue);
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({ pinoHttp: pinoOptions(config, 'worker') }),
        // One transaction at a time (BatchWriter), plus the health probe.
        TypeOrmModule.forRoot(dataSourceOptions(config.database.url, { poolSize: 4 })),
        // Retries and dead letters; workers need maxRetriesPerRequest: null and wait out Redis outages.
        BullModule.forRoot({
          // BullMQ declares its own copy of ioredis's option types; the objects are ioredis's.
          connection: connection as ConnectionOptions,
          prefix: redisKeys(config.redis.prefix, keyLayout(config.redis)).bullPrefix,
        }),
        BullModule.registerQueue({ name: QueueName.Messages }, { name: QueueName.DeadLetters }),
      ],
      providers: [
        ...redisProviders,
        BatchWriter,
        MessageStreamConsumer,
        MessagePersistenceProcessor,
        DeadLetterProcessor,
        HealthServer,
        GuestSweeper,
        AttachmentSweeper,
        { provide: GivenConnection, useValue: new GivenConnection(connection) },
      ],
    };
  }
}
