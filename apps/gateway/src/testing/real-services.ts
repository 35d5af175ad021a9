import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type AppConfig, envSchema, loadConfig } from '@chat/config';
import { type RedisKeys, redisKeys } from '@chat/contracts';
import { dataSourceOptions } from '@chat/database';
import { ReplicaReads } from '../repositories/replica-reads';
import { createRedis, createSubscriber, type RedisClient } from '@chat/redis';
import { type ScriptedRedis, withScripts } from '../repositories/redis-scripts';

/** The servers `deploy/local/test.mjs` makes reachable before any suite runs. */
const MYSQL_SERVER = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REPO_ROOT = resolve(__dirname, '../../../..');

/**
 * A spec file's own database on the shared MariaDB (schema only) and its own key prefix on the
 * shared Redis, with the connections the repositories take. Nothing is mocked; close() removes
 * the database and every key under the prefix, so spec files can run in parallel.
 */
export interface RealServices {
  config: AppConfig;
  db: DataSource;
  /** The reads that may lag, as the repositories take them (on this spec's one server: the primary). */
  reads: ReplicaReads;
  /** The command connection, with the gateway's Lua scripts (REDIS). */
  redis: ScriptedRedis;
  /** A publisher and a subscriber (REDIS_PUB, REDIS_SUB), for the caches' change channels. */
  pub: RedisClient;
  sub: RedisClient;
  keys: RedisKeys;
  /** Another connection to the same Redis, closed at teardown (a second replica's subscriber, say). */
  connectRedis(name: string): RedisClient;
  /** Runs at teardown, latest first, before the connections close (a queue, a Socket.IO server). */
  onClose(cleanup: () => unknown): void;
  close(): Promise<void>;
}

export interface RealServicesOptions {
  /** Environment variables on top of the test defaults, parsed by the config's own schema (a rate limit, a cap). */
  env?: Record<string, string>;
}

const logger = new Logger('RealServices');
// Warnings and errors only, as LOG_LEVEL=warn gives the e2e tier's processes: the audit trail and
// similar info lines would bury the test report.
Logger.overrideLogger(['fatal', 'error', 'warn']);

export async function startRealServices(options: RealServicesOptions = {}): Promise<RealServices> {
  const id = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const databaseUrl = `${MYSQL_SERVER}/chat_medium_${id}`;
  const prefix = `medium:${id}:`;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    // The cheapest cost the schema accepts keeps password checks fast.
    BCRYPT_ROUNDS: String(envSchema.shape.BCRYPT_ROUNDS.unwrap().minValue),
    ...options.env,
  });

  // The e2e tier's own set-up, so both tiers load the schema the same way.
  const { prepareDatabase, dropDatabase } = await import('../../../../deploy/local/services.mjs');
  const cleanups: (() => unknown)[] = [];
  const connections: RedisClient[] = [];
  const connectRedis = (name: string, subscriber = false) => {
    const connection = (subscriber ? createSubscriber : createRedis)(config.redis.state, `medium-${id}:${name}`, logger);
    connections.push(connection);
    return connection;
  };
  let db: DataSource | undefined;
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    if (connections[0]?.status === 'ready') await unlinkPrefixed(connections[0], prefix);
    await Promise.allSettled(connections.map((c) => c.quit()));
    if (db?.isInitialized) await db.destroy();
    await dropDatabase(databaseUrl);
  };

  try {
    await prepareDatabase(databaseUrl, [resolve(REPO_ROOT, 'init.sql')]);
    // Unlogged: the refusals the specs provoke (a duplicate key, a foreign key) would read as failures.
    db = await new DataSource({ ...dataSourceOptions(config.database.url, { poolSize: 4 }), logging: false }).initialize();
    const redis = withScripts(connectRedis('commands'));
    await redis.ping();
    return {
      config,
      db,
      reads: new ReplicaReads(db, config),
      redis,
      pub: connectRedis('pub'),
      // As the gateway's REDIS_SUB: a subscriber connection (libs/redis createSubscriber).
      sub: connectRedis('sub', true),
      keys: redisKeys(prefix),
      connectRedis,
      onClose: (cleanup) => cleanups.push(cleanup),
      close,
    };
  } catch (error) {
    await close().catch(() => undefined);
    throw error;
  }
}

/** SCAN, not KEYS: the Redis is shared with other runs, and KEYS blocks it. */
async function unlinkPrefixed(redis: RedisClient, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}
