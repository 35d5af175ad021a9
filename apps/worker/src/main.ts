// First: tracing must start before http, ioredis and mysql2 are required (tracing.ts).
import { stopTracing } from './tracing';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger as PinoLogger } from 'nestjs-pino';
import { exitCleanlyOnSignals, loadConfigOrExit, logStrayRejections } from '@chat/config';
import { waitForDatabase } from '@chat/database';
import { WorkerModule } from './worker.module';

/** The persistence worker: a Nest application context (no HTTP app) plus its health port. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = new Logger('Bootstrap');
  logStrayRejections(logger);
  await waitForDatabase(config.database.url, logger);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(config), { bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  // Closes the BullMQ worker on SIGTERM: the jobs in hand finish, the rest stay queued.
  // Then flushes the spans still buffered, the batches' last commits among them.
  exitCleanlyOnSignals({ close: () => app.close().then(stopTracing) }, logger, config.shutdownGraceMs);
  await app.init();
  logger.log(`worker consuming with concurrency ${config.worker.concurrency}`);
}

void main();
