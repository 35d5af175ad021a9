import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { type AppConfig, ConfigModule, pinoOptions } from '@chat/config';
import { QueueName, redisKeys } from '@chat/contracts';
import { dataSourceOptions } from '@chat/database';
import { HealthServer } from './health/health.server';
import { MessagePersistenceProcessor } from './persistence/message-persistence.processor';
import { MessageWriter } from './persistence/message-writer';

@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({ pinoHttp: pinoOptions(config, 'worker') }),
        TypeOrmModule.forRoot(dataSourceOptions(config.database.url, { poolSize: config.worker.concurrency })),
        // Workers need maxRetriesPerRequest: null (BullMQ sets it) and wait out Redis outages.
        BullModule.forRoot({ connection: { url: config.redis.url }, prefix: redisKeys(config.redis.prefix).bullPrefix }),
        BullModule.registerQueue({ name: QueueName.Messages }),
      ],
      providers: [MessageWriter, MessagePersistenceProcessor, HealthServer],
    };
  }
}
