// @ts-check
// `npm start`: the whole cluster on this machine with no configuration. Installs dependencies
// if missing, makes MySQL/MariaDB and Redis reachable, creates the database from init.sql and
// the demo accounts from demo-seed.sql, builds, then runs 3 gateway replicas, the worker and
// nginx at http://localhost:8080, every one of them listening on loopback only.
// Redis: REDIS_URL, and REDIS_PUBSUB_URL / REDIS_QUEUE_URL / REDIS_STATE_URL for a role of its own,
// are handed to the apps as given; only a plain redis:// URL on loopback where nothing answers gets a
// redis-server started here. Sentinel, Cluster, TLS and remote URLs never start anything.
// With a Docker engine (and nothing already listening), it runs docker-compose.yml instead.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** @param {string} line */
const log = (line) => process.stdout.write(`\x1b[1m[launcher]\x1b[0m ${line}\n`);

/** Launcher settings; each has a default, and a malformed one stops start-up naming it. */
function settings(env = process.env) {
  /**
   * @param {string} name
   * @param {number} fallback
   */
  const int = (name, fallback) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1 || value > 65_535) {
      process.stderr.write(`Invalid environment: ${name}=${JSON.stringify(raw)}: expected an integer from 1 to 65535\n`);
      process.exit(78);
    }
    return value;
  };
  const mode = env.CLUSTER_MODE ?? 'nginx';
  if (!['nginx', 'sticky'].includes(mode)) {
    process.stderr.write(`Invalid environment: CLUSTER_MODE=${JSON.stringify(mode)}: expected nginx or sticky\n`);
    process.exit(78);
  }
  return {
    mode: /** @type {'nginx' | 'sticky'} */ (mode),
    gateways: int('GATEWAY_REPLICAS', 3),
    gatewayBasePort: int('GATEWAY_BASE_PORT', 3001),
    httpPort: int('HTTP_PORT', 8080),
    metricsBasePort: int('METRICS_BASE_PORT', 9464),
    workerHealthPort: int('WORKER_HEALTH_PORT', 3100),
    databaseUrl: env.DATABASE_URL || 'mysql://root@127.0.0.1:3306/chat',
  };
}

/**
 * The Redis variables, checked: a malformed one stops start-up naming it (its password masked).
 * @param {typeof import('./services.mjs')} services
 */
function redisSettingsOrExit(services, env = process.env) {
  try {
    return services.redisSettings(env);
  } catch (error) {
    if (!(error instanceof services.RedisEnvError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }
}

/**
 * The environment for `docker compose up`: the caller's, less any Redis variable that names this
 * machine's loopback (a container cannot reach it; compose's own `redis` serves that role instead).
 * The others reach the apps through docker-compose.yml's ${REDIS_…} substitutions.
 * @param {typeof import('./services.mjs')} services
 */
function composeRedisEnv(services, env = process.env) {
  const composeEnv = { ...env };
  for (const variable of ['REDIS_URL', ...Object.values(services.REDIS_ROLE_VARIABLES)]) {
    const value = env[variable];
    if (!value) continue; // unset: compose's default
    const target = services.inspectRedisUrl(value); // checked already (redisSettingsOrExit)
    if (target.local) {
      delete composeEnv[variable];
      log(`${variable}=${target.shown} is this machine's loopback, which the containers cannot reach: compose's redis instead`);
    } else {
      const hint =
        target.nodes.some((n) => n.host.startsWith('redis-sentinel-')) && !/\bsentinel\b/.test(env.COMPOSE_PROFILES ?? '')
          ? " (COMPOSE_PROFILES=sentinel runs compose's Sentinels)"
          : '';
      log(`${variable}=${target.shown}: the containers use it as given${hint}`);
    }
  }
  return composeEnv;
}

/**
 * @param {string} command
 * @param {string[]} args
 */
function run(command, args) {
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
}

/**
 * A secret of this checkout's: made once (`bytes` random bytes) in .run/<name>, readable by its
 * owner only, and reused so it survives a restart (tokens stay valid, the compose database keeps
 * its password). A JWT secret of its own per checkout means a token minted with any published
 * value is worthless here.
 * @param {string} runDir
 * @param {string} name
 * @param {number} bytes
 */
function checkoutSecret(runDir, name, bytes) {
  const file = join(runDir, name);
  mkdirSync(runDir, { recursive: true });
  try {
    writeFileSync(file, `${randomBytes(bytes).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code !== 'EEXIST') throw error; // made by an earlier start: reused
  }
  return readFileSync(file, 'utf8').trim();
}

function dockerEngineAnswers() {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
}

async function main() {
  const s = settings();
  const services = await import('./services.mjs');
  const { ensureMysql, ensureRedisRoles, installDependencies, prepareDatabase, tcpReachable } = services;
  const redisSettings = redisSettingsOrExit(services);
  installDependencies(root, log);
  const runDir = join(root, '.run');
  const jwtSecret = process.env.JWT_SECRET || checkoutSecret(runDir, 'jwt-secret', 48);
  const localServices = (await tcpReachable('127.0.0.1', 3306)) || (await tcpReachable('127.0.0.1', 6379));
  if (process.env.LAUNCHER !== 'local' && !localServices && dockerEngineAnswers()) {
    // docker-compose.yml alone: production mode, schema only (no demo accounts).
    log('Docker engine found: docker compose up --build (no demo accounts: register in the app)');
    const compose = spawn('docker', ['compose', 'up', '--build'], {
      cwd: root,
      stdio: 'inherit',
      env: {
        ...composeRedisEnv(services),
        JWT_SECRET: jwtSecret,
        MYSQL_PASSWORD: process.env.MYSQL_PASSWORD || checkoutSecret(runDir, 'mysql-password', 16),
      },
    });
    for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => compose.kill(signal));
    compose.on('exit', (code) => process.exit(code ?? 0));
    return;
  }

  const mysql = await ensureMysql(s.databaseUrl, { runDir, log });
  const redis = await ensureRedisRoles(redisSettings, { runDir, log });
  await prepareDatabase(s.databaseUrl, [join(root, 'init.sql'), join(root, 'demo-seed.sql')]);
  log('building (tsc -b)');
  run('npm', ['run', 'build', '--silent']);

  const { startCluster } = await import('./cluster.mjs');
  const cluster = await startCluster({
    root,
    runDir,
    mode: s.mode,
    gateways: s.gateways,
    gatewayBasePort: s.gatewayBasePort,
    httpPort: s.httpPort,
    metricsBasePort: s.metricsBasePort,
    workerHealthPort: s.workerHealthPort,
    env: {
      DATABASE_URL: s.databaseUrl,
      // REDIS_URL, and each of REDIS_PUBSUB_URL, REDIS_QUEUE_URL, REDIS_STATE_URL, REDIS_ACK_REPLICAS that is set.
      ...redisSettings.env,
      LOG_FORMAT: process.env.LOG_FORMAT ?? 'pretty',
      // Tokens are signed with this checkout's own secret (or the one given), never a published one.
      JWT_SECRET: jwtSecret,
      // Development mode lets the demo accounts of demo-seed.sql log in; production refuses them.
      NODE_ENV: process.env.NODE_ENV ?? 'development',
      // Attachments (STORAGE_DRIVER=local): one directory every replica and the worker share.
      STORAGE_DIR: process.env.STORAGE_DIR || join(runDir, 'attachments'),
    },
    log: (line) => process.stdout.write(`${line}\n`),
  });

  let stopping = false;
  const stop = async (/** @type {string} */ signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    await cluster.stop();
    mysql.stop?.();
    redis.stop();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  await cluster.waitReady();
  const host = `http://localhost:${s.httpPort}`;
  log(`ready (${s.mode === 'nginx' ? `${s.gateways} gateway replicas behind nginx` : `${s.gateways} workers behind node:cluster`}):`);
  log(`  app and API    ${host}`);
  log(`  Socket.IO      ${host}/socket.io/`);
  log(`  Swagger        ${host}/api`);
  log(`  health         ${host}/health/ready   worker: ${cluster.workerHealthUrl}/health/ready`);
  log(`  metrics        ${cluster.metricsUrls.join('  ')}   worker: ${cluster.workerHealthUrl}/metrics`);
  log(`  demo login     postman1@test.com / 1234 (also postman2, test1, admin)`);
  log('Ctrl-C stops everything');
}

main().catch((error) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
