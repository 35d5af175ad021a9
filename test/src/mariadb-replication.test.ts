import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Connection, createConnection, type RowDataPacket } from 'mysql2/promise';
import { type ReplicatedMariaDb, startReplicatedMariaDb } from './support/mariadb-replication';
import { eventually } from './support/wait';

const DATABASE = 'replication_check';

/**
 * The replicated MariaDB the read-replica suites stand on: what the primary commits reaches the
 * replica, a paused replica really lags (and caughtUp says so), and a resumed one catches up.
 */
describe('MariaDB primary and replica', { timeout: 120_000 }, () => {
  let db: ReplicatedMariaDb;
  let primary: Connection;
  let replica: Connection;

  before(async () => {
    const began = performance.now();
    db = await startReplicatedMariaDb();
    console.log(`primary and 1 replica replicating ${Math.round(performance.now() - began)} ms after start`);
  });
  after(async () => {
    await primary?.end().catch(() => undefined);
    await replica?.end().catch(() => undefined);
    await db?.cleanup();
  });

  const first = async (connection: Connection, sql: string) => {
    const [rows] = await connection.query<RowDataPacket[]>(sql);
    return rows[0];
  };
  const ids = async (connection: Connection) => {
    const [rows] = await connection.query<RowDataPacket[]>('SELECT id FROM notes ORDER BY id');
    return rows.map((row) => Number(row.id));
  };

  it('applies on the replica what the primary commits, the database itself included', async () => {
    primary = await createConnection({ uri: db.primaryUrl });
    await primary.query(`CREATE DATABASE ${DATABASE}`);
    await primary.query(`CREATE TABLE ${DATABASE}.notes (id INT PRIMARY KEY, body VARCHAR(100) NOT NULL)`);
    await primary.query(`INSERT INTO ${DATABASE}.notes VALUES (1, 'first')`);
    await primary.changeUser({ database: DATABASE });
    await db.caughtUp();

    replica = await createConnection({ uri: `${db.replicaUrls[0]}/${DATABASE}` });
    const [rows] = await replica.query<RowDataPacket[]>('SELECT id, body FROM notes');
    assert.deepEqual(
      rows.map((row) => ({ ...row })),
      [{ id: 1, body: 'first' }],
    );
  });

  it('holds back what a paused replica has fetched until it resumes', async () => {
    await db.pauseApply();
    await primary.query(`INSERT INTO notes VALUES (2, 'second')`);
    const committed = String((await first(primary, 'SELECT @@GLOBAL.gtid_binlog_pos AS pos'))?.pos);

    // The IO thread still fetches: the transaction is in the relay log, just not applied.
    await eventually('the replica to fetch the insert', async () => {
      return (await first(replica, 'SHOW SLAVE STATUS'))?.Gtid_IO_Pos === committed;
    });
    await sleep(500);
    assert.deepEqual(await ids(primary), [1, 2]);
    assert.deepEqual(await ids(replica), [1]);
    await assert.rejects(db.caughtUp(0, 300), /gtid_binlog_pos '0-1-\d+', replica gtid_slave_pos '0-1-\d+'/);

    await db.resumeApply();
    await db.caughtUp();
    assert.deepEqual(await ids(replica), [1, 2]);
  });
});
