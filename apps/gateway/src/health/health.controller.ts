import { Controller, Get, UseFilters } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { DrainService } from '../lifecycle/drain.service';
import { HealthReportFilter } from './health-report.filter';
import { RedisHealthIndicator } from './redis.health';

@ApiTags('health')
@UseFilters(HealthReportFilter)
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly drain: DrainService,
  ) {}

  /** The process is up and its event loop turns; restart it if this fails. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Send traffic here only if every dependency of the write path answers. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () =>
        this.drain.draining ? this.indicators.check('accepting').down({ reason: 'draining' }) : this.indicators.check('accepting').up(),
      () => this.db.pingCheck('mysql', { timeout: 1_500 }),
      () => this.redis.commands('redis'),
      () => this.redis.pubSub('pubsub'),
      () => this.redis.queueConnection('queue'),
    ]);
  }
}
