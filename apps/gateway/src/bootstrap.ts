import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoLogger } from 'nestjs-pino';
import { type AppConfig, logStrayRejections } from '@chat/config';
import { waitForDatabase } from '@chat/database';
import { AppModule } from './app.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { corsOptions } from './common/http-hardening';
import { httpMetrics } from './common/http-metrics';
import { createValidationPipe } from './common/validation';
import { RedisIoAdapter } from './realtime/redis-io.adapter';
import { REDIS_PUB, REDIS_SUB } from './repositories/redis.module';

export async function createGateway(config: AppConfig): Promise<NestExpressApplication> {
  const logger = new Logger('Bootstrap');
  logStrayRejections(logger);
  await waitForDatabase(config.database.url, logger);

  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    // JSON only: Nest's defaults also parse urlencoded forms, which no route takes.
    bodyParser: false,
  });
  app.useLogger(app.get(PinoLogger));
  // Only the load balancer's own hop: a client that reaches a replica directly cannot choose its IP.
  app.set('trust proxy', config.gateway.trustProxy);
  app.disable('x-powered-by');
  app.use(httpMetrics());
  app.useBodyParser('json', { limit: '64kb' });
  const cors = corsOptions(config);
  if (cors) app.enableCors(cors);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useWebSocketAdapter(new RedisIoAdapter(app, config, app.get(REDIS_PUB), app.get(REDIS_SUB)));

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chat cluster')
      .setDescription('REST API; socket events: docs/EVENTS.md')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api', app, document, { jsonDocumentUrl: 'api-json' });
  return app;
}
