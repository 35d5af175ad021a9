import { isIP } from 'node:net';
import { describeRedisUrl, parseRedisUrl } from '@chat/redis';
import { z } from 'zod';
import { type Env, envSchema } from './env.schema';
import { weakSecretReason } from './secret-policy';

export interface AppConfig {
  env: Env['NODE_ENV'];
  log: { level: Env['LOG_LEVEL']; pretty: boolean };
  /** `readUrls`: replicas for the reads that may lag (empty: every read on `url`). */
  database: { url: string; readUrls: string[] };
  redis: {
    prefix: string;
    /** Socket.IO adapter and change channels (REDIS_PUBSUB_URL, else REDIS_URL). */
    pubsub: string;
    /** BullMQ (REDIS_QUEUE_URL, else REDIS_URL); needs `maxmemory-policy noeviction`. */
    queue: string;
    /** Sequences, caches, sessions, rate limits, presence (REDIS_STATE_URL, else REDIS_URL). */
    state: string;
    /**
     * Replicas a queue write waits for, and a state write where the state role is replicated apart
     * (REDIS_ACK_REPLICAS; default 1 on Sentinel or Cluster, else 0).
     */
    ackReplicas: number;
  };
  /** Where every listener binds. */
  host: string;
  gateway: {
    port: number;
    metricsPort: number;
    /** For Express's `trust proxy`: the load balancer's addresses, or false for none. */
    trustProxy: string[] | false;
    replicaId: string;
    sidRouting: boolean;
    /** Sticky mode's worker processes (cluster.ts). */
    workers: number;
    persistence: 'queue' | 'direct';
    queueLingerMs: number;
    /** Browser origins allowed cross-origin; empty: same origin only. */
    corsOrigins: string[] | '*';
    socket: { pingIntervalMs: number; pingTimeoutMs: number; maxPayloadBytes: number };
    /** Per-replica admission of new sockets (connectThrottle). */
    connect: { ratePerSecond: number; burst: number };
  };
  auth: { jwtSecret: string; jwtTtlSeconds: number; bcryptRounds: number };
  rateLimits: {
    sendPerSecond: number;
    sendBurst: number;
    loginPerMinute: number;
    registerPerMinute: number;
    guestPerMinute: number;
    roomActionsPerMinute: number;
    eventsPerSecond: number;
  };
  maxSocketsPerUser: number;
  worker: { healthPort: number; concurrency: number; lingerMs: number; guestRetentionHours: number };
  storage: StorageConfig;
  attachments: {
    maxBytes: number;
    /** Bytes per user, over their attachments that are not deleted. */
    quotaBytes: number;
    uploadsPerMinute: number;
    urlTtlSeconds: number;
    orphanHours: number;
    sweepSeconds: number;
  };
  search: { backend: 'mysql' | 'none' };
  shutdownGraceMs: number;
  /** The replica registry that announces a dead replica's users offline (presence/replica-registry.ts). */
  presence: { heartbeatMs: number };
}

export type StorageConfig =
  | { driver: 'local'; dir: string }
  | {
      driver: 's3';
      bucket: string;
      region: string;
      endpoint?: string;
      forcePathStyle: boolean;
      /** Unset: the AWS SDK's default credential chain. */
      credentials?: { accessKeyId: string; secretAccessKey: string };
      /** Links to attachments are presigned by the store instead of served by the gateways. */
      presignedUrls: boolean;
    };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates the environment once, before Nest starts, and maps it into a typed config. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(emptyToUndefined(source));
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, source));
  const env = parsed.data;
  const corsOrigins = parseOrigins(env.CORS_ORIGINS);
  if (env.GUEST_RETENTION_HOURS * 3600 <= env.JWT_TTL_SECONDS) {
    throw new ConfigError(
      `Invalid environment:\n  GUEST_RETENTION_HOURS=${env.GUEST_RETENTION_HOURS}: must exceed JWT_TTL_SECONDS (${env.JWT_TTL_SECONDS} s), or live guests would be deleted`,
    );
  }
  if (env.NODE_ENV === 'production') refuseUnsafeProduction(env, corsOrigins);
  return {
    env: env.NODE_ENV,
    log: { level: env.LOG_LEVEL, pretty: env.LOG_FORMAT === 'pretty' },
    database: {
      url: env.DATABASE_URL,
      readUrls: (env.DATABASE_READ_URLS ?? '')
        .split(',')
        .map((u) => u.trim())
        .filter(Boolean),
    },
    redis: redisConfig(env),
    host: env.HOST,
    gateway: {
      port: env.PORT,
      metricsPort: env.METRICS_PORT,
      trustProxy: parseTrustProxy(env.TRUST_PROXY),
      replicaId: env.REPLICA_ID,
      sidRouting: env.SID_ROUTING,
      workers: env.GATEWAY_WORKERS,
      persistence: env.PERSISTENCE_MODE,
      queueLingerMs: env.QUEUE_LINGER_MS,
      corsOrigins,
      socket: {
        pingIntervalMs: env.SOCKET_PING_INTERVAL_MS,
        pingTimeoutMs: env.SOCKET_PING_TIMEOUT_MS,
        maxPayloadBytes: env.SOCKET_MAX_PAYLOAD_BYTES,
      },
      connect: { ratePerSecond: env.CONNECT_RATE_PER_SECOND, burst: Math.max(1, env.CONNECT_BURST) },
    },
    auth: { jwtSecret: env.JWT_SECRET, jwtTtlSeconds: env.JWT_TTL_SECONDS, bcryptRounds: env.BCRYPT_ROUNDS },
    rateLimits: {
      sendPerSecond: env.RATE_LIMIT_SEND_PER_SECOND,
      sendBurst: Math.max(env.RATE_LIMIT_SEND_BURST, env.RATE_LIMIT_SEND_PER_SECOND),
      loginPerMinute: env.RATE_LIMIT_LOGIN_PER_MINUTE,
      registerPerMinute: env.RATE_LIMIT_REGISTER_PER_MINUTE,
      guestPerMinute: env.RATE_LIMIT_GUEST_PER_MINUTE,
      roomActionsPerMinute: env.RATE_LIMIT_ROOM_ACTIONS_PER_MINUTE,
      eventsPerSecond: env.RATE_LIMIT_EVENTS_PER_SECOND,
    },
    maxSocketsPerUser: env.MAX_SOCKETS_PER_USER,
    worker: {
      healthPort: env.WORKER_HEALTH_PORT,
      concurrency: env.WORKER_CONCURRENCY,
      lingerMs: env.WORKER_LINGER_MS,
      guestRetentionHours: env.GUEST_RETENTION_HOURS,
    },
    storage: storageConfig(env),
    attachments: {
      maxBytes: env.ATTACHMENT_MAX_BYTES,
      quotaBytes: env.ATTACHMENT_QUOTA_BYTES,
      uploadsPerMinute: env.ATTACHMENT_UPLOADS_PER_MINUTE,
      urlTtlSeconds: env.ATTACHMENT_URL_TTL_SECONDS,
      orphanHours: env.ATTACHMENT_ORPHAN_HOURS,
      sweepSeconds: env.ATTACHMENT_SWEEP_SECONDS,
    },
    search: { backend: env.SEARCH_BACKEND },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    presence: { heartbeatMs: env.PRESENCE_HEARTBEAT_MS },
  };
}

function storageConfig(env: Env): StorageConfig {
  if (env.STORAGE_DRIVER === 'local') return { driver: 'local', dir: env.STORAGE_DIR };
  if (!env.S3_BUCKET) throw new ConfigError('Invalid environment:\n  S3_BUCKET: required with STORAGE_DRIVER=s3');
  if ((env.S3_ACCESS_KEY_ID === undefined) !== (env.S3_SECRET_ACCESS_KEY === undefined)) {
    throw new ConfigError('Invalid environment:\n  S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both or neither');
  }
  return {
    driver: 's3',
    bucket: env.S3_BUCKET,
    region: env.S3_REGION,
    ...(env.S3_ENDPOINT ? { endpoint: env.S3_ENDPOINT } : {}),
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    ...(env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY } }
      : {}),
    presignedUrls: env.S3_PRESIGNED_URLS,
  };
}

function redisConfig(env: Env): AppConfig['redis'] {
  const queue = env.REDIS_QUEUE_URL ?? env.REDIS_URL;
  // The schema has parsed every URL already.
  const replicated = parseRedisUrl(queue).kind !== 'standalone';
  return {
    prefix: env.REDIS_PREFIX,
    pubsub: env.REDIS_PUBSUB_URL ?? env.REDIS_URL,
    queue,
    state: env.REDIS_STATE_URL ?? env.REDIS_URL,
    ackReplicas: env.REDIS_ACK_REPLICAS ?? (replicated ? 1 : 0),
  };
}

/** Production never signs with a guessable secret nor lets every web page call the API. */
function refuseUnsafeProduction(env: Env, corsOrigins: string[] | '*'): void {
  const weak = weakSecretReason(env.JWT_SECRET);
  if (weak) {
    throw new ConfigError(
      `Invalid environment: JWT_SECRET is refused when NODE_ENV=production: ${weak}. Generate one: openssl rand -base64 48`,
    );
  }
  if (corsOrigins === '*') {
    throw new ConfigError('Invalid environment: CORS_ORIGINS=* is refused when NODE_ENV=production: list the allowed origins');
  }
}

function parseOrigins(raw: string): string[] | '*' {
  if (raw.trim() === '*') return '*';
  const origins = raw
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        `Invalid environment:\n  CORS_ORIGINS=${JSON.stringify(raw)}: ${JSON.stringify(origin)} is not an origin (scheme://host[:port])`,
      );
    }
  }
  return origins;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function parseTrustProxy(raw: string): string[] | false {
  if (raw.trim() === 'none') return false;
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const valid = PROXY_NAMES.has(entry) || (isIP(address) !== 0 && extra === undefined && (bits === undefined || /^\d{1,3}$/.test(bits)));
    if (!valid) {
      throw new ConfigError(
        `Invalid environment:\n  TRUST_PROXY=${JSON.stringify(raw)}: ${JSON.stringify(entry)} is not an address, a CIDR or none`,
      );
    }
  }
  return entries.length > 0 ? entries : false;
}

/** An exported-but-empty variable (`PORT=`) means "use the default", as in most twelve-factor tools. */
function emptyToUndefined(source: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(source).map(([k, v]) => [k, v === '' ? undefined : v]));
}

function describeIssues(error: z.ZodError, source: NodeJS.ProcessEnv): string {
  const lines = error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '?');
    const value = source[name];
    // A URL's password stays out of the message (and so out of the logs).
    const shown = name.endsWith('_URL') && typeof value === 'string' ? describeRedisUrl(value) : value;
    return `  ${name}=${JSON.stringify(shown)}: ${issue.message}`;
  });
  return `Invalid environment:\n${lines.join('\n')}`;
}
