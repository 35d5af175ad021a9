import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DynamicModule, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { type AppConfig, ConfigModule, pinoOptions } from '@chat/config';
import { dataSourceOptions } from '@chat/database';
import { AdminModule } from './admin';
import { AuthModule } from './auth';
import { currentRequestId, REQUEST_ID_HEADER, requestIdFrom, withRequestId } from './common/request-id';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MessagesModule } from './messages/messages.module';
import { MetricsServer } from './metrics/metrics.server';
import { QueryMetricsLogger } from './metrics/query-metrics.logger';
import { ModerationModule } from './moderation/moderation.module';
import { PresenceModule } from './presence/presence.module';
import { RealtimeModule } from './realtime';
import { RoomsModule } from './rooms';
import { SearchModule } from './search/search.module';
import { UsersModule } from './users/users.module';

/**
 * The composition root. Features (top) import the socket edge (realtime), auth, the repositories
 * (bottom) and libs, never one another's internals: docs/ARCHITECTURE.md, enforced by
 * `npm run check`.
 */
@Module({})
export class AppModule implements NestModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            ...pinoOptions(config, `gateway ${config.gateway.replicaId}`),
            autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
            genReqId: requestIdOf,
            // Every line logged while a request or socket event is handled carries its id (withRequestId).
            mixin: () => {
              const reqId = currentRequestId();
              return reqId === undefined ? {} : { reqId };
            },
          },
        }),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(config.database.url, { readUrls: config.database.readUrls }),
          logger: new QueryMetricsLogger(),
          maxQueryExecutionTime: 1_000,
        }),
        LifecycleModule,
        AuthModule,
        RealtimeModule,
        PresenceModule,
        UsersModule,
        RoomsModule,
        ModerationModule,
        MessagesModule.register(config.gateway.persistence),
        SearchModule,
        HealthModule,
        AdminModule,
      ],
      providers: [MetricsServer],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((req: IncomingMessage, res: ServerResponse, next: () => void) => withRequestId(requestIdOf(req, res), next))
      .forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}

/**
 * The request's id (docs/ARCHITECTURE.md, "Request ids"), answered in X-Request-Id; taken once,
 * by whichever of pino-http and the request-id middleware runs first.
 */
function requestIdOf(req: IncomingMessage, res: ServerResponse): string {
  if (typeof req.id !== 'string') {
    req.id = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
    res.setHeader(REQUEST_ID_HEADER, req.id);
  }
  return req.id;
}
