import { Controller, Get, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
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
  @ApiOperation({
    operationId: 'health.live',
    summary: 'Liveness: the process is up',
    description:
      'Checks nothing outside the process: 200 while its event loop turns. For restart decisions (a Kubernetes liveness probe). Needs no token.',
    security: [],
  })
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Send traffic here only if every dependency of the write path answers. */
  @Get('ready')
  @ApiOperation({
    operationId: 'health.ready',
    summary: 'Readiness: every dependency of the write path answers',
    description:
      'MySQL, Redis commands and pub/sub, and the queue connection, each named in the report; 503 while one is down or while the replica drains for shutdown. For routing decisions (load balancer, Kubernetes readiness probe). Needs no token.',
    security: [],
  })
  @HealthCheck()
  ready() {
    return this.readiness.check();
  }
}
