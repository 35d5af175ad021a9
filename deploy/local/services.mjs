// @ts-check
// Makes MySQL/MariaDB, Redis and nginx available on a plain Debian/Ubuntu machine: uses the
// servers already running at the configured URLs, otherwise starts the Debian packages'
// servers, installing them with apt-get when running as root.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** @typedef {(line: string) => void} Log */

/**
 * @param {string} host
 * @param {number} port
 * @returns {Promise<boolean>}
 */
export function tcpReachable(host, port, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    /** @param {boolean} ok */
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** @param {string} name */
export function findBinary(name) {
  for (const dir of [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/bin', '/sbin']) {
    const path = `${dir}/${name}`;
    if (spawnSync('test', ['-x', path]).status === 0) return path;
  }
  return null;
}

let aptUpdated = false;
/**
 * @param {string[]} packages
 * @param {Log} log
 */
export function aptInstall(packages, log) {
  if (process.getuid?.() !== 0) {
    throw new Error(`${packages.join(', ')} not installed, and apt-get needs root: install ${packages.join(' ')} and retry`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    log(`apt-get update`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  if (packages.length === 0) return;
  log(`apt-get install ${packages.join(' ')}`);
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: 'inherit', env });
}

/**
 * @param {string} what
 * @param {() => Promise<boolean>} check
 */
async function waitFor(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`${what} did not come up within ${timeoutMs / 1000} s`);
}

/**
 * MySQL/MariaDB at `url`; starts the machine's MariaDB server when nothing answers.
 * @param {string} url
 * @param {{ runDir: string, log: Log }} o
 */
export async function ensureMysql(url, { runDir, log }) {
  const { hostname, port: p } = new URL(url);
  const port = Number(p || 3306);
  if (await tcpReachable(hostname, port)) return { started: false };
  if (!['127.0.0.1', 'localhost'].includes(hostname)) throw new Error(`MySQL at ${hostname}:${port} is unreachable`);
  const binary = findBinary('mariadbd') ?? findBinary('mysqld') ?? (aptInstall(['mariadb-server'], log), findBinary('mariadbd'));
  if (!binary) throw new Error('mariadb-server installed but mariadbd not found');
  mkdirSync('/run/mysqld', { recursive: true });
  log(`starting ${binary} on 127.0.0.1:${port}`);
  const out = openSync(`${runDir}/mariadb.log`, 'a');
  const child = spawn(binary, ['--user=root', `--port=${port}`, '--bind-address=127.0.0.1', '--default-time-zone=+00:00'], {
    detached: true,
    stdio: ['ignore', out, out],
  });
  child.unref();
  await waitFor('MariaDB', () => tcpReachable(hostname, port));
  allowPasswordlessTcpRoot(url, log);
  return { started: true, stop: () => child.kill('SIGTERM') };
}

/**
 * A freshly installed Debian MariaDB lets root in only over the unix socket; the default URL uses TCP.
 * @param {string} url
 * @param {Log} log
 */
function allowPasswordlessTcpRoot(url, log) {
  const { username, password } = new URL(url);
  if ((username || 'root') !== 'root' || password) return;
  const client = findBinary('mariadb') ?? findBinary('mysql');
  if (!client) return;
  const probe = spawnSync(client, ['-h127.0.0.1', '-uroot', '-e', 'SELECT 1']);
  if (probe.status === 0) return;
  log('allowing root over TCP with an empty password (local development only)');
  spawnSync(
    client,
    [
      '-uroot',
      '-e',
      "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD('') OR unix_socket; FLUSH PRIVILEGES;",
    ],
    { stdio: 'inherit' },
  );
}

/** Each Redis role of the apps and the variable that names its Redis; REDIS_URL covers those left unset. */
export const REDIS_ROLE_VARIABLES = /** @type {const} */ ({
  pubsub: 'REDIS_PUBSUB_URL',
  queue: 'REDIS_QUEUE_URL',
  state: 'REDIS_STATE_URL',
});
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** @typedef {keyof typeof REDIS_ROLE_VARIABLES} RedisRole */

/**
 * What a Redis URL points at, as far as the launcher cares. `local`: a plain redis:// URL on this
 * machine's loopback, the only kind the launcher may start a redis-server for.
 * @typedef {object} RedisTarget
 * @property {'standalone' | 'sentinel' | 'cluster'} kind
 * @property {boolean} tls
 * @property {{ host: string, port: number }[]} nodes  the server, the sentinels or the seed nodes
 * @property {boolean} local
 * @property {string} shown  the URL with its passwords masked
 */

/** @type {Record<string, { kind: RedisTarget['kind'], tls: boolean }>} */
const REDIS_SCHEMES = {
  redis: { kind: 'standalone', tls: false },
  rediss: { kind: 'standalone', tls: true },
  'redis+sentinel': { kind: 'sentinel', tls: false },
  'rediss+sentinel': { kind: 'sentinel', tls: true },
  'redis+cluster': { kind: 'cluster', tls: false },
  'rediss+cluster': { kind: 'cluster', tls: true },
};
const LOOPBACK = ['127.0.0.1', 'localhost'];

/** A malformed Redis variable; the message names it and never contains a password. */
export class RedisEnvError extends Error {
  /**
   * @param {string} variable
   * @param {string} value
   * @param {string} reason
   */
  constructor(variable, value, reason) {
    super(`Invalid environment: ${variable}=${JSON.stringify(maskRedisUrl(value))}: ${reason}`);
    this.name = 'RedisEnvError';
    this.variable = variable;
  }
}

/**
 * The URL with the password of its user info and any `sentinelPassword` replaced by `***`: libs/redis's
 * describeRedisUrl, copied because the launcher runs before anything is built (libs/redis/dist may
 * not exist yet). inspectRedisUrl below is likewise a light version of its parseRedisUrl.
 * @param {string} url
 */
export function maskRedisUrl(url) {
  let shown = url;
  const separator = url.indexOf('://');
  if (separator >= 0) {
    const rest = url.slice(separator + 3);
    const at = userInfoEnd(rest);
    const colon = at >= 0 ? rest.slice(0, at).indexOf(':') : -1;
    if (colon >= 0) shown = `${url.slice(0, separator + 3)}${rest.slice(0, colon)}:***${rest.slice(at)}`;
  }
  return shown.replace(/([?&]sentinelPassword=)[^&#]*/gi, '$1***');
}

/**
 * Where the user info ends: the last `@` before the query, else the last `@` at all.
 * @param {string} rest  the URL after `://`
 */
function userInfoEnd(rest) {
  const query = rest.indexOf('?');
  const at = rest.lastIndexOf('@', query >= 0 ? query : undefined);
  return at >= 0 && (query < 0 || at < query) ? at : rest.lastIndexOf('@');
}

/**
 * The launcher's check of a Redis URL: its form (redis://, rediss://, redis+sentinel://…/<master>,
 * redis+cluster://, each host with a port where one is required) and where it points. The apps
 * check the rest (query parameters, percent-encoding) when they start.
 * @param {string} url
 * @returns {RedisTarget}
 * @throws {Error} whose message says what is wrong, without the URL
 */
export function inspectRedisUrl(url) {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(url);
  const schemes = Object.keys(REDIS_SCHEMES).map((s) => `${s}://`);
  if (!match) throw new Error(`not a URL (expected one of ${schemes.join(', ')})`);
  const scheme = match[1].toLowerCase();
  const form = REDIS_SCHEMES[scheme];
  if (!form) throw new Error(`unknown scheme "${match[1]}:" (expected one of ${schemes.join(', ')})`);
  const afterUserInfo = match[2].slice(userInfoEnd(match[2]) + 1);
  const hostEnd = afterUserInfo.search(/[/?#]/);
  const hostList = hostEnd >= 0 ? afterUserInfo.slice(0, hostEnd) : afterUserInfo;
  const path = (hostEnd >= 0 ? afterUserInfo.slice(hostEnd) : '').replace(/[?#].*$/s, '');
  const segments = path.split('/').filter(Boolean);
  if (hostList === '') throw new Error('missing host');
  const nodes = hostList.split(',').map((entry) => {
    const hostPort = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)(?::(\d{1,5}))?$/.exec(entry);
    if (!hostPort) throw new Error(`malformed host "${entry}" (expected host:port)`);
    const [, rawHost, rawPort] = hostPort;
    if (rawPort === undefined && form.kind !== 'standalone') throw new Error(`"${entry}" needs a port (host:port)`);
    const port = rawPort === undefined ? 6379 : Number(rawPort);
    if (port < 1 || port > 65_535) throw new Error(`bad port in "${entry}" (1-65535)`);
    return { host: rawHost.replace(/^\[(.*)\]$/, '$1'), port };
  });
  if (form.kind === 'standalone' && nodes.length > 1) {
    throw new Error(`a ${scheme}:// URL takes one host; for several use redis+sentinel:// or redis+cluster://`);
  }
  if (form.kind === 'standalone' && (segments.length > 1 || (segments.length === 1 && !/^\d+$/.test(segments[0])))) {
    throw new Error(`a ${scheme}:// URL's path is at most /<db>`);
  }
  if (form.kind === 'sentinel' && segments.length === 0) throw new Error(`a ${scheme}:// URL needs a master name (…/<masterName>)`);
  if (form.kind === 'cluster' && segments.length > 0) throw new Error(`a ${scheme}:// URL has no path (seed nodes only)`);
  return {
    ...form,
    nodes,
    local: form.kind === 'standalone' && !form.tls && LOOPBACK.includes(nodes[0].host.toLowerCase()),
    shown: maskRedisUrl(url),
  };
}

/**
 * The apps' Redis settings from `env`: each role's URL (its own variable, else REDIS_URL, else
 * DEFAULT_REDIS_URL) checked, and the variables to hand the apps (REDIS_URL always, the others
 * when set; an empty one counts as unset, as in the apps).
 * @param {NodeJS.ProcessEnv} env
 * @throws {RedisEnvError} naming the first malformed variable
 */
export function redisSettings(env) {
  /** @type {Record<string, string>} */
  const appEnv = { REDIS_URL: env.REDIS_URL || DEFAULT_REDIS_URL };
  for (const variable of Object.values(REDIS_ROLE_VARIABLES)) {
    const value = env[variable];
    if (value) appEnv[variable] = value;
  }
  /** @type {Map<string, RedisTarget>} */
  const checked = new Map();
  for (const [variable, value] of Object.entries(appEnv)) {
    try {
      checked.set(variable, inspectRedisUrl(value));
    } catch (error) {
      throw new RedisEnvError(variable, value, /** @type {Error} */ (error).message);
    }
  }
  const ack = env.REDIS_ACK_REPLICAS;
  if (ack) {
    const count = Number(ack);
    if (!Number.isInteger(count) || count < 0) throw new RedisEnvError('REDIS_ACK_REPLICAS', ack, 'expected a non-negative integer');
    appEnv.REDIS_ACK_REPLICAS = ack;
  }
  const roles = /** @type {[RedisRole, string][]} */ (Object.entries(REDIS_ROLE_VARIABLES)).map(([role, own]) => {
    const variable = own in appEnv ? own : 'REDIS_URL';
    return { role, variable, url: appEnv[variable], target: /** @type {RedisTarget} */ (checked.get(variable)) };
  });
  return { env: appEnv, roles };
}

/** @param {RedisTarget} target */
function describeTarget(target) {
  const tls = target.tls ? ', TLS' : '';
  if (target.kind === 'sentinel') return `Sentinel${tls}, used as given`;
  if (target.kind === 'cluster') return `Redis Cluster${tls}, used as given`;
  if (target.local) return 'this machine';
  return `${target.tls ? 'TLS' : 'remote'}, used as given`;
}

/**
 * Makes every role's Redis available (see redisSettings): a plain redis:// URL on loopback where
 * nothing answers gets a redis-server of its own (once per port); anything else (Sentinel, Cluster,
 * TLS, another host) is used as given and nothing is started for it. Logs each role's target,
 * passwords masked.
 * @param {ReturnType<typeof redisSettings>} settings
 * @param {{ runDir: string, log: Log }} o
 */
export async function ensureRedisRoles(settings, { runDir, log }) {
  /** @type {Map<string, Awaited<ReturnType<typeof ensureRedis>>>} */
  const servers = new Map();
  /** One per server: localhost and 127.0.0.1 are the same one. @param {RedisTarget} target */
  const serverKey = ({ kind, tls, local, nodes: [{ host, port }] }) =>
    kind === 'standalone' && !tls ? `${local ? '127.0.0.1' : host}:${port}` : undefined;
  for (const { role, variable, url, target } of settings.roles) {
    const key = serverKey(target);
    if (key && !servers.has(key)) servers.set(key, await ensureRedis(url, { runDir, log }));
    const started = key && servers.get(key)?.started ? ', started here' : '';
    log(`Redis ${role === 'pubsub' ? 'pub/sub' : role}: ${target.shown} (${variable}; ${describeTarget(target)}${started})`);
  }
  const queue = settings.roles.find((r) => r.role === 'queue')?.target;
  const ack = Number(settings.env.REDIS_ACK_REPLICAS ?? 0);
  if (ack > 0 && queue && servers.get(serverKey(queue) ?? '')?.started) {
    log(`warning: REDIS_ACK_REPLICAS=${ack}, but the queue's redis-server started here has no replicas to acknowledge writes`);
  }
  return {
    stop: () => {
      for (const server of servers.values()) server.stop?.();
    },
  };
}

/**
 * Redis at `url`; starts redis-server with AOF and noeviction (as BullMQ requires) when nothing
 * answers at a loopback redis:// URL. Sentinel, Cluster and TLS URLs are used as given: nothing is
 * started or probed for them.
 * @param {string} url
 * @param {{ runDir: string, log: Log }} o
 */
export async function ensureRedis(url, { runDir, log }) {
  const target = inspectRedisUrl(url);
  if (target.kind !== 'standalone' || target.tls) return { started: false };
  const { host: hostname, port } = target.nodes[0];
  if (await tcpReachable(hostname, port)) return { started: false };
  if (!target.local) throw new Error(`Redis at ${hostname}:${port} is unreachable`);
  const binary = findBinary('redis-server') ?? (aptInstall(['redis-server'], log), findBinary('redis-server'));
  if (!binary) throw new Error('redis-server installed but not found');
  const dir = `${runDir}/redis-${port}`;
  mkdirSync(dir, { recursive: true });
  log(`starting redis-server on 127.0.0.1:${port} (AOF everysec, noeviction)`);
  execFileSync(binary, redisArgs(port, dir, true));
  await waitFor('Redis', () => tcpReachable(hostname, port));
  const stop = () => spawnSync(findBinary('redis-cli') ?? 'redis-cli', ['-p', String(port), 'shutdown']);
  return { started: true, stop };
}

/**
 * Flags for a redis-server the project starts itself: durable (AOF) and never evicting queue keys.
 * @param {number} port
 * @param {string} dir
 * @param {boolean} daemonize
 */
export function redisArgs(port, dir, daemonize) {
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--maxmemory-policy',
    'noeviction',
    '--save',
    '',
    ...(daemonize ? ['--daemonize', 'yes', '--pidfile', `${dir}/redis.pid`, '--logfile', `${dir}/redis.log`] : []),
  ];
}

/**
 * promtool, which checks metrics expositions and alert rules, from Debian's `prometheus` package,
 * unpacked into `<runDir>/tools` rather than installed: installing it would start a Prometheus
 * server listening on every interface.
 * @param {string} runDir
 * @param {Log} log
 */
export function ensurePromtool(runDir, log) {
  const unpacked = join(runDir, 'tools/prometheus');
  const binary = join(unpacked, 'usr/bin/promtool');
  const found = findBinary('promtool') ?? (existsSync(binary) ? binary : null);
  if (found) return found;
  if (!aptUpdated) aptInstall([], log);
  const download = join(runDir, 'tools/download');
  mkdirSync(download, { recursive: true });
  log('apt-get download prometheus (for promtool)');
  execFileSync('apt-get', ['download', '-qq', 'prometheus'], { cwd: download, stdio: 'inherit' });
  const deb = readdirSync(download).find((f) => f.startsWith('prometheus_') && f.endsWith('.deb'));
  if (!deb) throw new Error('apt-get download prometheus left no .deb');
  execFileSync('dpkg', ['-x', join(download, deb), unpacked], { stdio: 'inherit' });
  rmSync(download, { recursive: true, force: true });
  return binary;
}

/** @param {Log} log */
export function ensureNginx(log) {
  const binary = findBinary('nginx') ?? (aptInstall(['nginx'], log), findBinary('nginx'));
  if (!binary) throw new Error('nginx installed but not found');
  return binary;
}

/**
 * Creates the database named in `url` if absent and applies the SQL files in order (init.sql,
 * then demo-seed.sql where demo data is wanted; each is safe to apply twice).
 * @param {string} url
 * @param {string[]} sqlFiles
 */
export function prepareDatabase(url, sqlFiles) {
  return onServer(url, async (connection, database) => {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await connection.query(`USE \`${database}\``);
    for (const file of sqlFiles) await connection.query(readFileSync(file, 'utf8'));
  });
}

/** @param {string} url */
export function dropDatabase(url) {
  return onServer(url, (connection, database) => connection.query(`DROP DATABASE IF EXISTS \`${database}\``));
}

/**
 * Runs `work` on a connection to the server of `url` (no database selected), with the database's name.
 * @param {string} url
 * @param {(connection: import('mysql2/promise').Connection, database: string) => Promise<unknown>} work
 */
async function onServer(url, work) {
  const mysql = await import('mysql2/promise');
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.slice(1));
  if (!/^[A-Za-z0-9_]+$/.test(database)) throw new Error(`DATABASE_URL names an unusual database: ${database}`);
  parsed.pathname = '/';
  const connection = await mysql.createConnection({ uri: parsed.toString(), multipleStatements: true });
  try {
    await work(connection, database);
  } finally {
    await connection.end();
  }
}

/**
 * A fresh clone has no node_modules yet: `npm ci` once.
 * @param {string} root
 * @param {Log} log
 */
export function installDependencies(root, log) {
  if (existsSync(join(root, 'node_modules/.package-lock.json'))) return;
  log('installing dependencies (npm ci)');
  execFileSync('npm', ['ci'], { cwd: root, stdio: 'inherit' });
}

/**
 * What the test suites and the benchmark start their clusters on: nginx, and MariaDB and Redis at
 * TEST_MYSQL_URL / TEST_REDIS_URL (default ports), started if nothing answers there.
 * @param {string} root
 * @param {Log} log
 */
export async function ensureTestServices(root, log) {
  ensureNginx(log);
  const runDir = join(root, '.run');
  mkdirSync(runDir, { recursive: true });
  await ensureMysql(`${process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'}/mysql`, { runDir, log });
  await ensureRedis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { runDir, log });
}
