import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { type AppConfig, ConfigModule, pinoOptions } from '@chat/config';
import { QueueName, redisKeys } from '@chat/contracts';
import { dataSourceOptions } from '@chat/database';
import { HealthServer } from './health/health.server';
import { GuestSweeper } from './maintenance/guest-sweeper';
import { MessagePersistenceProcessor } from './persistence/message-persistence.processor';
import { BatchWriter } from './persistence/batch-writer';
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
        // Workers need maxRetriesPerRequest: null (BullMQ sets it) and wait out Redis outages.
        BullModule.forRoot({ connection: { url: config.redis.url }, prefix: redisKeys(config.redis.prefix).bullPrefix }),
        BullModule.registerQueue({ name: QueueName.Messages }, { name: QueueName.DeadLetters }),
      ],
      providers: [...redisProviders, BatchWriter, MessagePersistenceProcessor, HealthServer, GuestSweeper],
    };
  }
}
