import type { DataSourceOptions } from 'typeorm';
import { entities } from './entities';

/**
 * TypeORM options shared by both apps. The schema is owned by init.sql, never synchronised.
 * Times are exchanged as UTC; sequence BIGINTs come back as numbers (they stay far below 2^53).
 */
export function dataSourceOptions(url: string, extra: { poolSize?: number } = {}): DataSourceOptions {
  return {
    type: 'mysql',
    url,
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
