import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LifecycleModule } from '../lifecycle/lifecycle.module';
import { RepositoriesModule } from '../repositories/repositories.module';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';
import { RedisHealthIndicator } from './redis.health';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), RepositoriesModule, LifecycleModule],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, Readiness],
})
export class HealthModule {}
