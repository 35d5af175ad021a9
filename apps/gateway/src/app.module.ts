import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import { type AppConfig, pinoOptions } from '@chat/config';
import { redisKeys } from '@chat/contracts';
import { dataSourceOptions } from '@chat/database';
import { AuthModule } from './auth/auth.module';
import { CommonModule } from './common/common.module';
import { ModerationModule } from './moderation/moderation.module';
import { RealtimeCoreModule } from './realtime/realtime-core.module';
import { UsersModule } from './users/users.module';
import { ConfigModule } from '@chat/config';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { MessagesModule } from './messages/messages.module';
import { MetricsServer } from './metrics/metrics.server';
import { QueryMetricsLogger } from './metrics/query-metrics.logger';
import { RealtimeModule } from './realtime/realtime.module';
import { RedisModule } from './redis/redis.module';
import { RoomsModule } from './rooms/rooms.module';

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
          ...dataSourceOptions(config.database.url),
          logger: new QueryMetricsLogger(),
          maxQueryExecutionTime: 1_000,
        }),
        BullModule.forRoot({
          // Producers fail fast while Redis is away; the sender gets UNAVAILABLE and retries.
          connection: { url: config.redis.url, enableOfflineQueue: false },
          prefix: redisKeys(config.redis.prefix).bullPrefix,
        }),
        RedisModule,
        CommonModule,
        RealtimeCoreModule,
        LifecycleModule,
        AuthModule,
        UsersModule,
        RoomsModule,
        ModerationModule,
        MessagesModule,
        RealtimeModule,
        HealthModule,
      ],
      providers: [MetricsServer],
    };
  }
}
