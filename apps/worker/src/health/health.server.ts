import { createServer, type Server } from 'node:http';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { Gauge, register } from 'prom-client';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig, withTimeout } from '@chat/config';
import { QueueName } from '@chat/contracts';
import { describeRedisUrl } from '@chat/redis';
import { collectProcessMetrics } from '@chat/telemetry';
import { WORKER_REDIS, type WorkerRedis } from '../redis.providers';

const PROBE_TIMEOUT_MS = 1_500;

/** BullMQ's job states (Queue.getJobCounts), the `state` label's values. */
const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'] as const;

/** The queues whose jobs are counted: the process's worker's (a second one, in a test, takes over). */
let countedQueues: Queue[] = [];

// The counts BullMQ's own exporter (Queue.exportPrometheusMetrics) prints, read at scrape time,
// in one family for both queues: that exporter writes a HELP line per queue, and two of them make
// the exposition invalid.
new Gauge({
  name: 'chat_queue_jobs',
  help: 'Jobs in a BullMQ queue by state, at scrape time (chat-messages: messages to persist; chat-messages-dead: dead letters)',
  labelNames: ['queue', 'state'] as const,
  async collect() {
    const queues = countedQueues;
    const counts = await Promise.all(queues.map((q) => q.getJobCounts(...JOB_STATES)));
    queues.forEach((q, i) => {
      for (const state of JOB_STATES) this.set({ queue: q.name, state }, counts[i]?.[state] ?? 0);
    });
  },
});

/**
 * The worker's only listening port: /health/live, /health/ready (MySQL and both Redis roles it uses answer) and
 * /metrics, for orchestrators and Prometheus. It serves nothing else.
 */
@Injectable()
export class HealthServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(HealthServer.name);
  private server?: Server;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    // The queue role through BullMQ's own connection, not an extra one.
    @InjectQueue(QueueName.Messages) private readonly queue: Queue,
    @InjectQueue(QueueName.DeadLetters) deadLetters: Queue,
    @Inject(WORKER_REDIS) private readonly state: WorkerRedis,
  ) {
    collectProcessMetrics();
    countedQueues = [queue, deadLetters];
  }

  onApplicationBootstrap(): void {
    this.server = createServer((req, res) => {
      void this.respond(req.url ?? '/').then(({ status, body, type }) => {
        res.writeHead(status, { 'content-type': type }).end(body);
      });
    });
    const { host, worker } = this.config;
    this.server.listen(worker.healthPort, host, () => this.logger.log(`health on ${host}:${worker.healthPort}`));
  }

  onApplicationShutdown(): void {
    this.server?.close();
  }

  private async respond(url: string): Promise<{ status: number; body: string; type: string }> {
    const json = 'application/json';
    switch (url) {
      case '/health/live':
        return { status: 200, body: JSON.stringify({ status: 'ok' }), type: json };
      case '/health/ready': {
        const { queue, state } = this.config.redis;
        const [mysql, redis, stateRole] = await Promise.all([
          probe('MySQL', () => this.db.query('SELECT 1')),
          probe('Redis (queue)', () => this.queue.count()).then((r) => ({ ...r, role: 'queue', target: describeRedisUrl(queue) })),
          probe('Redis (state)', () => this.state.ping()).then((r) => ({ ...r, role: 'state', target: describeRedisUrl(state) })),
        ]);
        const ok = [mysql, redis, stateRole].every((check) => check.status === 'up');
        const details = { mysql, redis, 'redis-state': stateRole };
        return { status: ok ? 200 : 503, body: JSON.stringify({ status: ok ? 'ok' : 'error', details }), type: json };
      }
      case '/metrics':
        return { status: 200, body: await register.metrics(), type: register.contentType };
      default:
        return { status: 404, body: JSON.stringify({ statusCode: 404, message: 'Not found' }), type: json };
    }
  }
}

/** One dependency's state; a check that hangs counts as down after PROBE_TIMEOUT_MS. */
async function probe(what: string, check: () => Promise<unknown>): Promise<{ status: 'up' | 'down'; message?: string }> {
  try {
    await withTimeout(check(), PROBE_TIMEOUT_MS, what);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', message: (error as Error).message };
  }
}
