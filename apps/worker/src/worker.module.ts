import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import type { ConnectionOptions } from 'bullmq';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { type AppConfig, ConfigModule, pinoOptions } from '@chat/config';
import { QueueName, redisKeys } from '@chat/contracts';
import { dataSourceOptions } from '@chat/database';
import { bullConnection } from '@chat/redis';
import { HealthServer } from './health/health.server';
import { GuestSweeper } from './maintenance/guest-sweeper';
import { MessagePersistenceProcessor } from './persistence/message-persistence.processor';
import { BatchWriter } from './persistence/batch-writer';
import { MessageStreamConsumer } from './persistence/message-stream.consumer';
import { redisProviders } from './redis.providers';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
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
          connection: bullConnection(config.redis.queue) as ConnectionOptions,
          prefix: redisKeys(config.redis.prefix).bullPrefix,
        }),
        BullModule.registerQueue({ name: QueueName.Messages }, { name: QueueName.DeadLetters }),
      ],
      providers: [...redisProviders, BatchWriter, MessageStreamConsumer, MessagePersistenceProcessor, HealthServer, GuestSweeper],
    };
  }
}
