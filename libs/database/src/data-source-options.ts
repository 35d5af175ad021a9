import type { DataSourceOptions } from 'typeorm';
import { entities } from './entities';

/**
 * TypeORM options shared by both apps. The schema is owned by init.sql, never synchronised.
 * Times are exchanged as UTC; sequence BIGINTs come back as numbers (they stay far below 2^53).
 *
 * With `readUrls`, the connection is a replicated one: every statement still goes to `url` (the
 * primary) unless the caller asks for a replica's query runner (`createQueryRunner('slave')`:
 * round robin over the replicas). mysql2's pool cluster takes a node out after an error to
 * connect (three in a row), for `restoreNodeTimeout`; its default (0) would take it out for good, the primary
 * included, so a replica restart or a primary's failover would need a gateway restart.
 */
export function dataSourceOptions(url: string, extra: { poolSize?: number; readUrls?: string[] } = {}): DataSourceOptions {
  const readUrls = extra.readUrls ?? [];
  const servers =
    readUrls.length === 0
      ? { url }
      : {
          replication: {
            master: { url },
            slaves: readUrls.map((readUrl) => ({ url: readUrl })),
            defaultMode: 'master' as const,
            selector: 'RR' as const,
            canRetry: true,
            removeNodeErrorCount: 3,
            restoreNodeTimeout: 1_000,
          },
        };
  return {
    type: 'mysql',
    ...servers,
    entities,
    synchronize: false,
    migrationsRun: false,
    timezone: 'Z',
    charset: 'utf8mb4_unicode_ci',
    supportBigNumbers: true,
    bigNumberStrings: false,
    poolSize: extra.poolSize ?? 10,
    logging: ['error'],
  };
}
