import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { freePort } from './ports';
import { eventually } from './wait';

export interface MariaDbServer {
  /** `mysql://root@127.0.0.1:<port>`: root, empty password, no database (append `/<name>`). */
  url: string;
  port: number;
  /** Takes the server away: SIGKILL (a crash; InnoDB recovers on start) or SIGTERM (a clean shutdown). */
  stop(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts it again on the same port and data directory. */
  start(): Promise<void>;
  /** Stops it and deletes its data directory. */
  cleanup(): Promise<void>;
}

export interface MariaDbOptions {
  /**
   * More mariadbd flags, after the ones every server gets, so one given here wins: what makes a
   * server a replication primary or replica (server-id, log-bin, read-only) is the caller's business.
   */
  args?: string[];
}

/**
 * A private mariadbd on a free port with its own data directory, for tests that take MySQL away:
 * stopping it never disturbs the machine's shared server or the other suites' databases.
 *
 * No server outlives the test process. On Linux each one is started through `setpriv --pdeathsig`,
 * so the kernel SIGKILLs it when the test process dies, even SIGKILLed; an `exit` hook covers the
 * rest and removes the data directories a suite never cleaned up (a SIGKILLed test process leaves
 * those behind in the temp directory, about 125 MB each).
 */
export async function startMariaDb(options: MariaDbOptions = {}): Promise<MariaDbServer> {
  const { findBinary } = await import('../../../deploy/local/services.mjs');
  const server = findBinary('mariadbd') ?? findBinary('mysqld');
  const installer = findBinary('mariadb-install-db') ?? findBinary('mysql_install_db');
  if (!server || !installer) throw new Error('mariadbd and mariadb-install-db are needed (apt-get install mariadb-server)');
  const setpriv = findBinary('setpriv');

  const dir = mkdtempSync(join(tmpdir(), 'chat-mariadb-'));
  watchExit();
  leftovers.add(dir);
  const datadir = join(dir, 'data');
  const errorLog = join(dir, 'error.log');
  // mariadbd deletes the `#sql*` files it finds in its tmpdir when it starts, taken for leftovers of
  // its own last run: with a shared /tmp, a server starting next to an install-db wiped the latter's
  // temporary tables (`Unknown table 'mysql.tmp_proxies_priv'`), and could wipe the machine's server's.
  const scratch = join(dir, 'tmp');
  mkdirSync(scratch);
  // mariadbd refuses to run as root unless told to; as anyone else the flag is refused.
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  await promisify(execFile)(installer, [
    '--no-defaults',
    `--datadir=${datadir}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    `--tmpdir=${scratch}`,
    ...asRoot,
  ]).catch((error: Error) => {
    remove(dir);
    throw new Error(`mariadb-install-db failed: ${error.message}`);
  });

  const port = await freePort();
  const url = `mysql://root@127.0.0.1:${port}`;
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--port=${port}`,
    `--socket=${join(dir, 'mysqld.sock')}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${errorLog}`,
    `--tmpdir=${scratch}`,
    '--bind-address=127.0.0.1',
    '--skip-name-resolve',
    '--default-time-zone=+00:00',
    '--innodb-buffer-pool-size=64M',
    // The OS keeps what a killed server wrote; only a machine crash could lose the last second.
    '--innodb-flush-log-at-trx-commit=2',
    '--max-connections=300',
    ...asRoot,
    ...(options.args ?? []),
  ];

  let child: ChildProcess | undefined;
  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const errorTail = () => {
    try {
      return readFileSync(errorLog, 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(no error log)';
    }
  };

  const start = async () => {
    if (running()) return;
    // setpriv execs mariadbd in place: the pid, and so kill(), are mariadbd's own. The death signal
    // follows the thread that spawned it, which is the main thread of the test process.
    const spawned = setpriv
      ? spawn(setpriv, ['--pdeathsig', 'SIGKILL', '--', server, ...args], { stdio: 'ignore' })
      : spawn(server, args, { stdio: 'ignore' });
    child = spawned;
    live.add(spawned);
    spawned.once('exit', () => live.delete(spawned));
    // A server that dies at start (port taken, bad datadir) fails at once, with its own words.
    const died = new Promise<never>((_, reject) =>
      spawned.once('exit', (code, signal) => reject(new Error(`mariadbd exited (${signal ?? code}):\n${errorTail()}`))),
    );
    const answered = eventually(`mariadbd on :${port}`, () => answers(url), 30_000, 100);
    // Whichever loses is settled later, by nobody: a later exit is stop()'s business.
    for (const loser of [answered, died]) loser.catch(() => undefined);
    await Promise.race([answered, died]);
  };

  const stop = async (signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL') => {
    const current = child;
    if (!current || !running()) return;
    await new Promise((done) => {
      current.once('exit', done);
      current.kill(signal);
    });
  };

  try {
    await start();
  } catch (error) {
    await stop();
    remove(dir);
    throw error;
  }
  return {
    url,
    port,
    stop,
    start,
    async cleanup() {
      await stop();
      remove(dir);
    },
  };
}

const live = new Set<ChildProcess>();
const leftovers = new Set<string>();
let watching = false;

function watchExit(): void {
  if (watching) return;
  watching = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
    for (const dir of leftovers) rmSync(dir, { recursive: true, force: true });
  });
}

function remove(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  leftovers.delete(dir);
}

async function answers(url: string): Promise<boolean> {
  const connection = await createConnection({ uri: url, connectTimeout: 1_000 }).catch(() => undefined);
  if (!connection) return false;
  try {
    await connection.query('SELECT 1');
    return true;
  } finally {
    await connection.end().catch(() => undefined);
  }
}
