// @ts-check
// Makes MySQL/MariaDB, Redis and nginx available on a plain Debian/Ubuntu machine: uses the
// servers already running at the configured URLs, otherwise starts the Debian packages'
// servers, installing them with apt-get when running as root.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
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

/**
 * Redis at `url`; starts redis-server with AOF and noeviction (as BullMQ requires) when nothing answers.
 * @param {string} url
 * @param {{ runDir: string, log: Log }} o
 */
export async function ensureRedis(url, { runDir, log }) {
  const { hostname, port: p } = new URL(url);
  const port = Number(p || 6379);
  if (await tcpReachable(hostname, port)) return { started: false };
  if (!['127.0.0.1', 'localhost'].includes(hostname)) throw new Error(`Redis at ${hostname}:${port} is unreachable`);
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
