import { z } from 'zod';
import { DEMO_JWT_SECRET, type Env, envSchema } from './env.schema';

export interface AppConfig {
  env: Env['NODE_ENV'];
  log: { level: Env['LOG_LEVEL']; pretty: boolean };
  database: { url: string };
  redis: { url: string; prefix: string };
  gateway: {
    port: number;
    replicaId: string;
    sidRouting: boolean;
    persistence: 'queue' | 'direct';
    queueLingerMs: number;
    corsOrigins: string[] | '*';
    socket: { pingIntervalMs: number; pingTimeoutMs: number; maxPayloadBytes: number };
  };
  auth: { jwtSecret: string; jwtTtlSeconds: number; bcryptRounds: number };
  rateLimits: { sendPerSecond: number; sendBurst: number; loginPerMinute: number };
  worker: { healthPort: number; concurrency: number; lingerMs: number };
  shutdownGraceMs: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Validates the environment once, before Nest starts, and maps it into a typed config. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(emptyToUndefined(source));
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, source));
  const env = parsed.data;
  if (env.NODE_ENV === 'production' && env.JWT_SECRET === DEMO_JWT_SECRET) {
    throw new ConfigError('Invalid environment: JWT_SECRET must be set to a real secret when NODE_ENV=production');
  }
  return {
    env: env.NODE_ENV,
    log: { level: env.LOG_LEVEL, pretty: env.LOG_FORMAT === 'pretty' },
    database: { url: env.DATABASE_URL },
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    gateway: {
      port: env.PORT,
      replicaId: env.REPLICA_ID,
      sidRouting: env.SID_ROUTING,
      persistence: env.PERSISTENCE_MODE,
      queueLingerMs: env.QUEUE_LINGER_MS,
      corsOrigins: env.CORS_ORIGINS.trim() === '*' ? '*' : env.CORS_ORIGINS.split(',').map((o) => o.trim()),
      socket: {
        pingIntervalMs: env.SOCKET_PING_INTERVAL_MS,
        pingTimeoutMs: env.SOCKET_PING_TIMEOUT_MS,
        maxPayloadBytes: env.SOCKET_MAX_PAYLOAD_BYTES,
      },
    },
    auth: { jwtSecret: env.JWT_SECRET, jwtTtlSeconds: env.JWT_TTL_SECONDS, bcryptRounds: env.BCRYPT_ROUNDS },
    rateLimits: {
      sendPerSecond: env.RATE_LIMIT_SEND_PER_SECOND,
      sendBurst: Math.max(env.RATE_LIMIT_SEND_BURST, env.RATE_LIMIT_SEND_PER_SECOND),
      loginPerMinute: env.RATE_LIMIT_LOGIN_PER_MINUTE,
    },
    worker: { healthPort: env.WORKER_HEALTH_PORT, concurrency: env.WORKER_CONCURRENCY, lingerMs: env.WORKER_LINGER_MS },
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
  };
}

/** An exported-but-empty variable (`PORT=`) means "use the default", as in most twelve-factor tools. */
function emptyToUndefined(source: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(source).map(([k, v]) => [k, v === '' ? undefined : v]));
}

function describeIssues(error: z.ZodError, source: NodeJS.ProcessEnv): string {
  const lines = error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '?');
    return `  ${name}=${JSON.stringify(source[name])}: ${issue.message}`;
  });
  return `Invalid environment:\n${lines.join('\n')}`;
}
