import { Logger as NestLogger } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { Logger } from 'typeorm';

const queries = new Counter({
  name: 'chat_db_queries_total',
  help: 'SQL statements sent to MySQL by this process, health probes excepted',
});

/** Terminus's MySQL ping: readiness runs it at every probe and every scrape (chat_gateway_ready), so it is not counted. */
const HEALTH_PINGS = new Set(['SELECT 1', 'SELECT 1 FROM DUAL']);

/**
 * TypeORM's logger, used for two things: errors go to the app log, and every statement is
 * counted, so "a bounded number of queries per request" can be watched on /metrics (and a
 * scrape, which checks readiness, does not move the count it reports).
 */
export class QueryMetricsLogger implements Logger {
  private readonly logger = new NestLogger('SQL');

  logQuery(query: string): void {
    if (!HEALTH_PINGS.has(query)) queries.inc();
  }

  logQueryError(error: string | Error, query: string): void {
    this.logger.error(`${error instanceof Error ? error.message : error} in: ${query.slice(0, 500)}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`slow query (${time} ms): ${query.slice(0, 500)}`);
  }

  logSchemaBuild(): void {}

  logMigration(): void {}

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}
