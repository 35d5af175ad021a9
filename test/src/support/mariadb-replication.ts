import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { type MariaDbServer, startMariaDb } from './mariadb-server';

/**
 * A MariaDB primary and its read replicas, each a private mariadbd (mariadb-server.ts) on a spare
 * loopback port, for the suites that route reads to replicas: they need a replica that really lags
 * behind, and to know when it has stopped lagging, rather than a second connection to one server.
 */
export interface ReplicatedMariaDb {
  primary: MariaDbServer;
  replicas: MariaDbServer[];
  /** `mysql://root@127.0.0.1:<port>` (no database) */
  primaryUrl: string;
  replicaUrls: string[];
  /** STOP SLAVE SQL_THREAD on replica i (default 0): the IO thread keeps fetching, nothing is applied — lag grows. */
  pauseApply(i?: number): Promise<void>;
  /** START SLAVE SQL_THREAD */
  resumeApply(i?: number): Promise<void>;
  /**
   * Resolves once replica i has applied everything the primary had committed when it was called;
   * rejects after `timeoutMs` (default 10 s) with the primary's and the replica's GTID positions.
   */
  caughtUp(i?: number, timeoutMs?: number): Promise<void>;
  /** Stops everything and deletes the data directories. */
  cleanup(): Promise<void>;
}

export interface ReplicationOptions {
  /** How many replicas follow the primary; 1 unless told. */
  replicas?: number;
}

const HOST = '127.0.0.1';
const REPLICATION_USER = 'repl';
/** From START SLAVE to both threads running: a connect to a loopback server already answering. */
const RUNNING_MS = 15_000;

/**
 * Every server writes a binary log and logs what it applies (log-slave-updates), so any of them
 * could be promoted, and GTID strict mode turns a diverged replica into an error rather than a
 * quiet difference. Row format, because that is what a replica of the app's writes should apply.
 * The file names are fixed so they do not follow the machine's host name.
 */
function serverArgs(serverId: number): string[] {
  return [
    `--server-id=${serverId}`,
    '--log-bin=mariadb-bin',
    '--relay-log=relay-bin',
    '--binlog-format=ROW',
    '--gtid-strict-mode=ON',
    '--log-slave-updates=ON',
  ];
}

/**
 * Starts the primary and the replicas side by side and points each replica at the primary with
 * GTID replication from the very first transaction: the data directories are freshly installed
 * and install-db writes no binary log, so the replicas start out equal to the primary and
 * everything the caller creates afterwards, databases included, reaches them.
 *
 * root on the replicas can still write (read_only only holds back users without READ ONLY ADMIN,
 * which ALL PRIVILEGES includes); an app user created on the primary cannot. A write that does get
 * through lands in the replica's binary log under its own server id, and GTID strict mode then
 * stops the replica at the primary's next transaction ("out-of-order sequence number"): a write
 * routed to a replica shows up as caughtUp() failing with that error, not as data that differs.
 */
export async function startReplicatedMariaDb(options: ReplicationOptions = {}): Promise<ReplicatedMariaDb> {
  const count = options.replicas ?? 1;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`replicas must be a positive integer, not ${count}`);

  const starting = await Promise.allSettled([
    startMariaDb({ args: serverArgs(1) }),
    ...Array.from({ length: count }, (_, i) => startMariaDb({ args: [...serverArgs(i + 2), '--read-only=ON'] })),
  ]);
  const servers = starting.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const cleanup = async () => {
    await Promise.all(servers.map((server) => server.cleanup()));
  };
  const failed = starting.find((result) => result.status === 'rejected');
  if (failed) {
    await cleanup();
    throw failed.reason;
  }
  const [primary, ...replicas] = servers as [MariaDbServer, ...MariaDbServer[]];

  const replica = (i: number): MariaDbServer => {
    const server = replicas[i];
    if (!server) throw new RangeError(`no replica ${i}: there are ${replicas.length}`);
    return server;
  };

  const caughtUp = async (i = 0, timeoutMs = 10_000) => {
    const server = replica(i);
    const target = await withConnection(primary.url, (connection) => variable(connection, 'gtid_binlog_pos'));
    await withConnection(server.url, async (connection) => {
      // MASTER_GTID_WAIT: 0 once the replica's gtid_slave_pos includes the target, -1 on timeout.
      const [rows] = await connection.query<RowDataPacket[]>('SELECT MASTER_GTID_WAIT(?, ?) AS waited', [target, timeoutMs / 1_000]);
      if (Number(rows[0]?.waited) === 0) return;
      const reached = await variable(connection, 'gtid_slave_pos');
      const status = await slaveStatus(connection);
      throw new Error(
        `replica ${i} (:${server.port}) has not caught up after ${timeoutMs} ms: ` +
          `primary gtid_binlog_pos '${target}', replica gtid_slave_pos '${reached}' (${summary(status)})`,
      );
    });
  };

  try {
    const password = randomBytes(18).toString('base64url');
    await withConnection(primary.url, async (connection) => {
      await connection.query(`CREATE USER ?@? IDENTIFIED BY ?`, [REPLICATION_USER, HOST, password]);
      await connection.query(`GRANT REPLICATION SLAVE ON *.* TO ?@?`, [REPLICATION_USER, HOST]);
    });
    await Promise.all(
      replicas.map((server, i) =>
        withConnection(server.url, async (connection) => {
          // A retry every second rather than every minute, for a replica whose primary a suite restarts.
          await connection.query(
            `CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?,
               MASTER_CONNECT_RETRY = 1, MASTER_USE_GTID = slave_pos`,
            [HOST, primary.port, REPLICATION_USER, password],
          );
          await connection.query('START SLAVE');
          await untilRunning(connection, `replica ${i} (:${server.port})`, ['io', 'sql']);
        }),
      ),
    );
    // The replication user went through the binary log too: once it has arrived, the stream works.
    await Promise.all(replicas.map((_, i) => caughtUp(i)));
  } catch (error) {
    await cleanup();
    throw error;
  }

  return {
    primary,
    replicas,
    primaryUrl: primary.url,
    replicaUrls: replicas.map((server) => server.url),
    async pauseApply(i = 0) {
      await withConnection(replica(i).url, (connection) => connection.query('STOP SLAVE SQL_THREAD'));
    },
    async resumeApply(i = 0) {
      const server = replica(i);
      await withConnection(server.url, async (connection) => {
        await connection.query('START SLAVE SQL_THREAD');
        await untilRunning(connection, `replica ${i} (:${server.port})`, ['sql']);
      });
    },
    caughtUp,
    cleanup,
  };
}

async function withConnection<T>(url: string, use: (connection: Connection) => Promise<T>): Promise<T> {
  const connection = await createConnection({ uri: url });
  try {
    return await use(connection);
  } finally {
    await connection.end().catch(() => undefined);
  }
}

async function variable(connection: Connection, name: 'gtid_binlog_pos' | 'gtid_slave_pos'): Promise<string> {
  const [rows] = await connection.query<RowDataPacket[]>(`SELECT @@GLOBAL.${name} AS value`);
  return String(rows[0]?.value ?? '');
}

/** The columns of SHOW SLAVE STATUS read here. */
interface SlaveStatus {
  Slave_IO_Running: 'Yes' | 'No' | 'Connecting' | 'Preparing';
  Slave_SQL_Running: 'Yes' | 'No';
  Last_IO_Errno: number;
  Last_IO_Error: string;
  Last_SQL_Errno: number;
  Last_SQL_Error: string;
}

async function slaveStatus(connection: Connection): Promise<SlaveStatus | undefined> {
  const [rows] = await connection.query<RowDataPacket[]>('SHOW SLAVE STATUS');
  return rows[0] as SlaveStatus | undefined;
}

function summary(status: SlaveStatus | undefined): string {
  if (!status) return 'not a replica';
  const io = `IO ${status.Slave_IO_Running}${status.Last_IO_Errno ? `: ${status.Last_IO_Error}` : ''}`;
  const sql = `SQL ${status.Slave_SQL_Running}${status.Last_SQL_Errno ? `: ${status.Last_SQL_Error}` : ''}`;
  return `${io}; ${sql}`;
}

/**
 * Until the threads named are running. A thread that stopped with an error has given up for good
 * and fails at once; an IO thread still `Connecting` may yet get through, so it fails at the
 * deadline. Both with the server's own words.
 */
async function untilRunning(connection: Connection, what: string, threads: ('io' | 'sql')[]): Promise<void> {
  const deadline = Date.now() + RUNNING_MS;
  for (;;) {
    const status = await slaveStatus(connection);
    const states = threads.map((thread) => (thread === 'io' ? status?.Slave_IO_Running : status?.Slave_SQL_Running));
    if (states.every((state) => state === 'Yes')) return;
    const gaveUp = threads.some((thread) =>
      thread === 'io'
        ? status?.Slave_IO_Running === 'No' && status.Last_IO_Errno !== 0
        : status?.Slave_SQL_Running === 'No' && status.Last_SQL_Errno !== 0,
    );
    if (!status || gaveUp) throw new Error(`${what} is not replicating: ${summary(status)}`);
    if (Date.now() > deadline) throw new Error(`${what} not replicating after ${RUNNING_MS} ms: ${summary(status)}`);
    await sleep(50);
  }
}
