import { Controller, Get, UseFilters } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { HealthReportFilter } from './health-report.filter';
import { Readiness } from './readiness';

@ApiTags('health')
@UseFilters(HealthReportFilter)
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly readiness: Readiness,
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
    return this.readiness.check();
  }
}
