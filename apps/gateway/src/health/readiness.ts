import { Injectable } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Gauge } from 'prom-client';
import { DrainService } from '../lifecycle/drain.service';
import { RedisHealthIndicator } from './redis.health';

/** The process's replica's (one per process; a second app, in a test, takes the gauges over). */
let checkReadiness: (() => Promise<unknown>) | undefined;
let isDraining: (() => boolean) | undefined;

new Gauge({
  name: 'chat_gateway_ready',
  help: 'Whether this replica passes its readiness check (GET /health/ready) at scrape time: 1 ready, 0 not (draining, or a dependency down)',
  async collect() {
    const ready = checkReadiness?.().then(
      () => true,
      () => false,
    );
    this.set((await ready) ? 1 : 0);
  },
});

new Gauge({
  name: 'chat_gateway_draining',
  help: 'Whether this replica is draining (it got SIGTERM and is handing its sockets to the others): 1 draining, 0 not',
  collect() {
    this.set(isDraining?.() ? 1 : 0);
  },
});

/**
 * Whether this replica should get traffic: every dependency of the write path answers and it is
 * not draining. GET /health/ready answers it for load balancers and orchestrators, and the
 * `chat_gateway_ready` gauge for Prometheus, checked afresh at each scrape, so an alert on it
 * works where nothing probes the replica.
 */
@Injectable()
export class Readiness {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly drain: DrainService,
  ) {
    checkReadiness = () => this.check();
    isDraining = () => drain.draining;
  }

  /** Terminus's report; rejects with a 503 ServiceUnavailableException carrying it when not ready. */
  check() {
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
