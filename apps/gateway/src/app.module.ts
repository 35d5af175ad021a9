import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { type AppConfig, ConfigModule, pinoOptions } from '@chat/config';
import { dataSourceOptions } from '@chat/database';
import { AuthModule } from './auth';
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
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot({
          pinoHttp: {
            ...pinoOptions(config, `gateway ${config.gateway.replicaId}`),
            autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') },
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
      ],
      providers: [MetricsServer],
    };
  }
}
