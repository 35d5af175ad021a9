import { hostname } from 'node:os';
import { parseRedisUrl, RedisUrlError } from '@chat/redis';
import { z } from 'zod';

/** The fallback for a bare `node main.js` in development; refused in production (see secret-policy.ts). */
export const DEMO_JWT_SECRET = 'demo-only-secret-do-not-use-in-production';

const port = z.coerce.number().int().min(1).max(65_535);
const positiveInt = z.coerce.number().int().positive();
/** A batching wait: 0 (none) up to a second. */
const lingerMs = z.coerce.number().int().min(0).max(1000);
/** A Redis URL in any form parseRedisUrl takes; the issue says what is wrong, never the password. */
const redisUrl = z.string().superRefine((value, ctx) => {
  try {
    parseRedisUrl(value);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof RedisUrlError ? error.reason : 'not a Redis URL' });
  }
});
/** Comma-separated MySQL URLs; an issue names the position of a bad one, never its text (it may hold a password). */
const mysqlUrlList = z.string().superRefine((value, ctx) => {
  value.split(',').forEach((part, i) => {
    if (part.trim() !== '' && !z.url({ protocol: /^mysql$/ }).safeParse(part.trim()).success) {
      ctx.addIssue({ code: 'custom', message: `entry ${i + 1} is not a mysql:// URL` });
    }
  });
});
const REDIS_URL_FORMS =
  '`redis://[user:pass@]host:port[/db]` (or `rediss://`, TLS), `redis+sentinel://[user:pass@]host1:port1,host2:port2/<master>[/<db>][?sentinelUsername=…&sentinelPassword=…]` (or `rediss+sentinel://`) or `redis+cluster://[user:pass@]host1:port1,host2:port2` (or `rediss+cluster://`)';

/**
 * Every environment variable the apps read, with its default and a one-line description.
 * The README's configuration table is printed from this object (`npm run env:docs`).
 */
export const envSchema = z.object({
  NODE_ENV: z
    .enum(['development', 'test', 'production'])
    .default('development')
    .describe("Runtime mode; `production` refuses weak or published JWT secrets, a `*` CORS origin, and demo accounts' logins."),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('Minimum level of the structured (pino) logs.'),
  LOG_FORMAT: z
    .enum(['json', 'pretty'])
    .default('json')
    .describe('`json` lines for log shippers, `pretty` for humans (the local launcher sets it).'),
  DATABASE_URL: z
    .url({ protocol: /^mysql$/ })
    .default('mysql://root@127.0.0.1:3306/chat')
    .describe('MySQL 8 / MariaDB 10.11 connection URL, database included.'),
  DATABASE_READ_URLS: mysqlUrlList
    .optional()
    .describe(
      'Comma-separated MySQL replica URLs (same form as DATABASE_URL) for the reads that may lag: the user directory, room and member lists, older history pages (checked complete, else read from the primary). Everything else stays on DATABASE_URL.',
    ),
  REDIS_URL: redisUrl
    .default('redis://127.0.0.1:6379')
    .describe(
      `Redis 7 URL of every role (pub/sub, queue, state) that REDIS_PUBSUB_URL, REDIS_QUEUE_URL or REDIS_STATE_URL does not set: ${REDIS_URL_FORMS}.`,
    ),
  REDIS_PUBSUB_URL: redisUrl
    .optional()
    .describe('Redis for pub/sub (the Socket.IO adapter, the change channels); default REDIS_URL. Same forms as REDIS_URL.'),
  REDIS_QUEUE_URL: redisUrl
    .optional()
    .describe(
      'Redis for the message stream and BullMQ (retries, dead letters), which must have `maxmemory-policy noeviction`; default REDIS_URL. Same forms as REDIS_URL.',
    ),
  REDIS_STATE_URL: redisUrl
    .optional()
    .describe('Redis for state (sequences, caches, sessions, rate limits, presence); default REDIS_URL. Same forms as REDIS_URL.'),
  REDIS_ACK_REPLICAS: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe(
      "How many replicas must confirm a message's queue write (and its admission, on a Redis Cluster or a replicated state server of its own) before it is acked (Redis WAIT); set it to the number of replicas that can be promoted. Default 1 when REDIS_QUEUE_URL (else REDIS_URL) is Sentinel or Cluster, 0 for a standalone Redis.",
    ),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/)
    .default('chat:')
    .describe('Prefix of every Redis key, pub/sub channel and queue, so deployments can share a Redis.'),
  HOST: z
    .string()
    .regex(/^[A-Za-z0-9.:_-]{1,253}$/)
    .default('127.0.0.1')
    .describe(
      "Address every listener binds to (gateway, its metrics port, the worker's health port): loopback by default, `0.0.0.0` in containers.",
    ),
  PORT: port.default(3000).describe('Gateway HTTP + Socket.IO port.'),
  METRICS_PORT: port
    .default(9464)
    .describe('Gateway Prometheus `/metrics` port, on HOST; internal only (the public port does not serve metrics).'),
  TRUST_PROXY: z
    .string()
    .default('127.0.0.1')
    .describe(
      'Comma-separated addresses or CIDRs of the load balancer whose `X-Forwarded-For` is believed (the client IP for per-IP limits and guests); `none` to trust no one.',
    ),
  REPLICA_ID: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,48}$/)
    .default(
      `${hostname()
        .replace(/[^A-Za-z0-9-]/g, '-')
        .slice(0, 32)}-${process.pid}`,
    )
    .describe('Name of this gateway process: shown in `ready.replica`, used by nginx to route a session back to it.'),
  JWT_SECRET: z
    .string()
    .min(16)
    .default(DEMO_JWT_SECRET)
    .describe(
      'HMAC secret for access tokens. `production` requires ≥ 32 random bytes that appear nowhere public; `npm start` generates one per checkout.',
    ),
  JWT_TTL_SECONDS: positiveInt.default(3600).describe('Lifetime of an access token.'),
  BCRYPT_ROUNDS: z.coerce.number().int().min(4).max(15).default(10).describe('bcrypt cost for password hashes.'),
  RATE_LIMIT_SEND_PER_SECOND: positiveInt.default(10).describe('Messages a user may send per second, sustained, across all replicas.'),
  RATE_LIMIT_SEND_BURST: positiveInt.default(20).describe('Messages a user may send in a burst before the sustained rate applies.'),
  RATE_LIMIT_LOGIN_PER_MINUTE: positiveInt
    .default(10)
    .describe(
      'Login attempts per minute per client IP, and per account from one IP; past it on an account (from any IP), each attempt is slowed down, never refused.',
    ),
  RATE_LIMIT_REGISTER_PER_MINUTE: positiveInt.default(5).describe('Registrations per minute per client IP (and ten times that per day).'),
  RATE_LIMIT_GUEST_PER_MINUTE: positiveInt.default(10).describe('Guest accounts per minute per client IP (and ten times that per day).'),
  RATE_LIMIT_ROOM_ACTIONS_PER_MINUTE: positiveInt
    .default(10)
    .describe('Room creations, invites, joins and leaves per minute per user, across all replicas.'),
  RATE_LIMIT_EVENTS_PER_SECOND: positiveInt
    .default(20)
    .describe('Socket events other than `message` per second per user, across all replicas (bursts of twice that).'),
  MAX_SOCKETS_PER_USER: positiveInt
    .default(20)
    .describe('Open sockets per user across the cluster; one more fails with `too_many_connections`.'),
  CONNECT_RATE_PER_SECOND: positiveInt
    .default(100)
    .describe(
      'New socket connections one gateway replica admits per second (a token bucket, before authentication); past it a connection gets `connect_error` `server_busy` with `retryAfterMs`. Bounds what a reconnect storm costs the surviving replicas.',
    ),
  CONNECT_BURST: positiveInt.default(100).describe('Connections a replica admits at once before CONNECT_RATE_PER_SECOND applies.'),
  SOCKET_PING_INTERVAL_MS: positiveInt.default(25_000).describe('Engine.IO ping interval.'),
  SOCKET_PING_TIMEOUT_MS: positiveInt.default(20_000).describe('Engine.IO ping timeout.'),
  SOCKET_MAX_PAYLOAD_BYTES: positiveInt
    .default(1024 * 1024)
    .describe('Largest Socket.IO packet; a larger one closes the connection, anything smaller gets a validation error at worst.'),
  GATEWAY_WORKERS: positiveInt
    .default(2)
    .describe(
      'Single-host sticky mode only (`node apps/gateway/dist/cluster.js`, `CLUSTER_MODE=sticky npm start`): worker processes behind the primary.',
    ),
  SID_ROUTING: z
    .stringbool()
    .default(true)
    .describe('Prefix Engine.IO session ids with REPLICA_ID so nginx can route polling requests back (off under node:cluster).'),
  PERSISTENCE_MODE: z
    .enum(['queue', 'direct'])
    .default('queue')
    .describe(
      '`queue`: the worker persists in batches (production). `direct`: each send is written to MySQL in its own transaction before the broadcast, the usual single-server design, kept as the benchmark baseline.',
    ),
  QUEUE_LINGER_MS: lingerMs
    .default(10)
    .describe(
      'A gateway admits and queues at most one batch per this many ms: a message after a quiet spell goes at once, the ones that follow gather for the next batch (0: a batch per event-loop turn). Fewer, larger batches cost Redis less per message; a message waits up to this long before its broadcast and ack.',
    ),
  CORS_ORIGINS: z
    .string()
    .default('')
    .describe(
      'Comma-separated origins allowed to call the API and Socket.IO from a browser (never with credentials). Empty: same origin only (the web client is served by nginx). `*` is refused in `production`.',
    ),
  WORKER_HEALTH_PORT: port.default(3100).describe('Worker health/metrics port (the worker serves nothing else).'),
  WORKER_CONCURRENCY: positiveInt
    .default(200)
    .describe(
      'Retry jobs (messages MySQL refused when first read from the stream) the worker holds at once; their messages are written in batches of up to 500 per transaction.',
    ),
  WORKER_LINGER_MS: lingerMs
    .default(10)
    .describe(
      'How long the worker gathers messages before a transaction when it is idle (under load the next batch gathers while one commits). Fewer, larger transactions cost MySQL less; each message reaches MySQL up to this much later. Acks and broadcasts do not wait for it.',
    ),
  GUEST_RETENTION_HOURS: positiveInt
    .default(24)
    .describe(
      'Guest accounts older than this that belong to no room and never posted are deleted by the worker (a guest cannot log in again once its token expires). Must exceed JWT_TTL_SECONDS.',
    ),
  STORAGE_DRIVER: z
    .enum(['local', 's3'])
    .default('local')
    .describe(
      'Where attachments are stored: `local`, a directory every replica and the worker share (STORAGE_DIR), or `s3`, any S3-compatible object store (S3_*).',
    ),
  STORAGE_DIR: z
    .string()
    .min(1)
    .default('data/attachments')
    .describe(
      "The `local` driver's directory (relative to the working directory, or absolute); every gateway replica and the worker must see the same one.",
    ),
  S3_BUCKET: z.string().min(3).max(63).optional().describe("The `s3` driver's bucket (required with STORAGE_DRIVER=s3)."),
  S3_REGION: z.string().min(1).default('us-east-1').describe("The `s3` driver's region."),
  S3_ENDPOINT: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('An S3-compatible endpoint (MinIO, Ceph, R2, …); unset for AWS S3.'),
  S3_FORCE_PATH_STYLE: z
    .stringbool()
    .default(false)
    .describe('Address buckets as `endpoint/bucket/key` instead of `bucket.endpoint/key` (MinIO and Ceph need it).'),
  S3_ACCESS_KEY_ID: z
    .string()
    .min(1)
    .optional()
    .describe("The `s3` driver's access key; unset: the AWS SDK's default chain (environment, instance or pod role)."),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional().describe('The secret for S3_ACCESS_KEY_ID.'),
  S3_PRESIGNED_URLS: z
    .stringbool()
    .default(false)
    .describe(
      'With STORAGE_DRIVER=s3: attachment links are presigned GET URLs the store serves itself, instead of gateway URLs that stream the bytes.',
    ),
  ATTACHMENT_MAX_BYTES: positiveInt
    .default(10 * 1024 * 1024)
    .describe(
      'Largest attachment accepted; a larger upload is refused with 413 as soon as this many bytes have been read. nginx accepts upload bodies up to this (plus multipart framing) on the upload route only.',
    ),
  ATTACHMENT_QUOTA_BYTES: positiveInt.default(1024 * 1024 * 1024).describe('Bytes of attachments (not deleted) a user may store in all.'),
  ATTACHMENT_UPLOADS_PER_MINUTE: positiveInt.default(20).describe('Uploads per user per minute, across all replicas.'),
  ATTACHMENT_URL_TTL_SECONDS: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 24 * 3600)
    .default(3600)
    .describe('How long a signed attachment link (`attachments[].url`) works without a token.'),
  ATTACHMENT_ORPHAN_HOURS: positiveInt
    .default(24)
    .describe(
      'Uploads never attached to a message are deleted by the worker after this many hours (a send may use an upload until 10 minutes before).',
    ),
  ATTACHMENT_SWEEP_SECONDS: positiveInt
    .default(600)
    .describe("How often the worker removes unused uploads past ATTACHMENT_ORPHAN_HOURS and deleted messages' files."),
  SEARCH_BACKEND: z
    .enum(['mysql', 'none'])
    .default('mysql')
    .describe(
      'Message search: `mysql`, a full-text index the worker writes in its persistence transaction, or `none` (no indexing; GET /search/messages answers 503).',
    ),
  SHUTDOWN_GRACE_MS: positiveInt.default(10_000).describe('How long a stopping process may drain before it exits.'),
  PRESENCE_HEARTBEAT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(10_000)
    .default(5_000)
    .describe(
      'How often a gateway replica renews its heartbeat in Redis. One silent for 3 of them is taken for dead: another replica (looking as often, jittered) takes its sockets out of presence and tells the rooms of users left with none that they are offline, within 4.5 of them (23 s at the default; the maximum keeps it under 60 s).',
    ),
});

export type Env = z.infer<typeof envSchema>;
