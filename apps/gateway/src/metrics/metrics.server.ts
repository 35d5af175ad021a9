import { createServer, type Server } from 'node:http';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { register } from 'prom-client';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { collectProcessMetrics } from '@chat/telemetry';

collectProcessMetrics();

/**
 * Prometheus's scrape target, on a port of its own (METRICS_PORT) that the load balancer never
 * proxies: the public app has no /metrics route in any spelling, so neither a case-insensitive
 * router nor a trailing slash can expose it.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  onApplicationBootstrap(): void {
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ statusCode: 404, message: 'Not found' }));
        return;
      }
      register.metrics().then(
        (body) => res.writeHead(200, { 'content-type': register.contentType }).end(body),
        (error: Error) => res.writeHead(500).end(error.message),
      );
    });
    const { host, gateway } = this.config;
    this.server.on('error', (error) => this.logger.error(`metrics on ${host}:${gateway.metricsPort}: ${error.message}`));
    this.server.listen(gateway.metricsPort, host, () => this.logger.log(`metrics on ${host}:${gateway.metricsPort}`));
  }

  onApplicationShutdown(): void {
    this.server?.close();
  }
}
