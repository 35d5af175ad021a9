import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { RequestHandler } from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger as PinoLogger } from 'nestjs-pino';
import { type AppConfig, logStrayRejections } from '@chat/config';
import { waitForDatabase } from '@chat/database';
import { ADMIN_QUEUES_PATH, DeadLetterBoard, onlyDeadLetterChanges, siteAdminsOnly } from './admin';
import { AppModule } from './app.module';
import { AuthService } from './auth';
import { JSON_BODY_LIMIT } from './common/api-errors.decorator';
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
  const board = app.get(DeadLetterBoard);
  app.use(ADMIN_QUEUES_PATH, siteAdminsOnly(app.get(AuthService)), onlyDeadLetterChanges, ((req, res, next) =>
    board.router()(req, res, next)) as RequestHandler);
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  const cors = corsOptions(config);
  if (cors) app.enableCors(cors);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new HttpExceptionFilter());
  app.useWebSocketAdapter(new RedisIoAdapter(app, config, app.get(REDIS_PUB), app.get(REDIS_SUB)));

  const document = SwaggerModule.createDocument(app, apiDocument());
  SwaggerModule.setup('api', app, document, { jsonDocumentUrl: 'api-json', swaggerOptions: { persistAuthorization: true } });
  return app;
}

/**
 * The document's frame; the operations come from the controllers' decorators, each with an
 * explicit `operationId` (`<resource>.<action>`), so renaming a handler does not rename the
 * generated client methods.
 */
function apiDocument() {
  return new DocumentBuilder()
    .setTitle('Chat cluster')
    .setDescription(API_DESCRIPTION)
    .setVersion('1')
    .setLicense('MIT', 'https://opensource.org/licenses/MIT')
    .setExternalDoc('Socket.IO events, payloads and acks (docs/EVENTS.md in the repository)', 'docs/EVENTS.md')
    .addServer('/', 'The origin serving this document: nginx in front of the gateway replicas')
    .addTag('auth', 'Accounts and sessions: where bearer tokens come from')
    .addTag('users', 'Profiles, contacts, and site-wide administration')
    .addTag('rooms', 'Rooms, memberships, invitations and read markers')
    .addTag('messages', 'History, sending, edits, deletions and reactions')
    .addTag('attachments', 'Files and images sent with messages')
    .addTag('moderation', "A room's members, roles, mutes, kicks and bans")
    .addTag('search', 'Full-text search over the messages of your rooms')
    .addTag('health', 'Liveness and readiness probes')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'The `access_token` of POST /auth/login, /auth/register or /auth/guest',
    })
    .build();
}

const API_DESCRIPTION = [
  'The REST half of the chat API. The real-time half (Socket.IO: sending, typing, presence, every `message`, `reaction` and room event) is described in `docs/EVENTS.md` in the repository (the external docs link of this document).',
  '',
  'Errors always have the body `{ statusCode, error, message, code }`; branch on `code`. The gateway sends `Retry-After` with its `429` answers. Besides the answers listed per operation, the bundled nginx answers `429 RATE_LIMITED` to a client address holding too many open connections (WebSockets included), and `413 PAYLOAD_TOO_LARGE` past 1 MiB (10 MiB plus multipart framing for uploads).',
].join('\n');
