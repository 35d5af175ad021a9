import { createServer, type Server } from 'node:http';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { collectDefaultMetrics, register } from 'prom-client';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { createRedis } from '@chat/redis';

const PROBE_TIMEOUT_MS = 1_500;

/**
 * The worker's only listening port: /health/live, /health/ready (MySQL and Redis answer) and
 * /metrics, for orchestrators and Prometheus. It serves nothing else.
 */
@Injectable()
export class HealthServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HealthServer.name);
  private readonly redis: Redis;
  private server?: Server;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
  ) {
    this.redis = createRedis(config.redis.url, 'worker:health', this.logger);
    collectDefaultMetrics();
  }

  onApplicationBootstrap(): void {
    this.server = createServer((req, res) => {
      void this.respond(req.url ?? '/').then(({ status, body, type }) => {
        res.writeHead(status, { 'content-type': type }).end(body);
      });
    });
    this.server.listen(this.config.worker.healthPort, () => this.logger.log(`health on :${this.config.worker.healthPort}`));
  }

  async onApplicationShutdown(): Promise<void> {
    this.server?.close();
    await this.redis.quit().catch(() => undefined);
  }

  private async respond(url: string): Promise<{ status: number; body: string; type: string }> {
    const json = 'application/json';
    switch (url) {
      case '/health/live':
        return { status: 200, body: JSON.stringify({ status: 'ok' }), type: json };
      case '/health/ready': {
        const [mysql, redis] = await Promise.all([probe(() => this.db.query('SELECT 1')), probe(() => this.redis.ping())]);
        const ok = mysql.status === 'up' && redis.status === 'up';
        return { status: ok ? 200 : 503, body: JSON.stringify({ status: ok ? 'ok' : 'error', details: { mysql, redis } }), type: json };
      }
      case '/metrics':
        return { status: 200, body: await register.metrics(), type: register.contentType };
      default:
        return { status: 404, body: JSON.stringify({ statusCode: 404, message: 'Not found' }), type: json };
    }
  }
}

async function probe(check: () => Promise<unknown>): Promise<{ status: 'up' | 'down'; message?: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', message: (error as Error).message };
  } finally {
    clearTimeout(timer);
  }
}
