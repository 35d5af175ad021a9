import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RowDataPacket } from 'mysql2/promise';
import type { HistoryPage, PublicUser, Session } from '@chat/contracts';
import { api, createRoom, login, registerUser, request } from './support/clients';
import { useCluster } from './support/fixture';
import { type ReplicatedMariaDb, startReplicatedMariaDb } from './support/mariadb-replication';
import { eventually } from './support/wait';

type Outcome = 'served' | 'unsettled' | 'failed';

/**
 * MySQL read replicas (DATABASE_READ_URLS) on a real MariaDB primary and replica with GTID
 * replication. The replica's SQL thread is stopped to make it lag as much as a test likes: what
 * a client was acknowledged must read back at once anyway, and the reads that may lag are seen
 * to come from the replica (they lag too) and to survive it dying.
 */
describe('MySQL read replicas', { timeout: 240_000 }, () => {
  let mysql: ReplicatedMariaDb;
  before(async () => {
    mysql = await startReplicatedMariaDb();
  });
  const t = useCluster(() => ({
    gateways: 2,
    mysqlUrl: mysql.primaryUrl,
    mysqlReadUrls: mysql.replicaUrls,
    env: { RATE_LIMIT_SEND_PER_SECOND: '1000', RATE_LIMIT_SEND_BURST: '1000' },
  }));
  // Registered after useCluster, so it runs once the cluster on these servers has stopped.
  after(async () => {
    await mysql?.cleanup();
  });

  let owner: Session;
  /** The user directory is the site admins'. */
  let admin: Session;
  let roomId: number;
  before(async () => {
    owner = await registerUser(t.url);
    admin = await login(t.url, 'admin@test.com');
    roomId = await createRoom(t.url, owner, { isPrivate: true });
    await mysql.caughtUp();
  });

  /** `chat_db_replica_reads_total` by outcome, summed over the replicas. */
  const replicaReads = async (): Promise<Record<Outcome, number>> => {
    const totals: Record<Outcome, number> = { served: 0, unsettled: 0, failed: 0 };
    for (const url of t.metricsUrls) {
      const text = await (await fetch(url)).text();
      for (const [, outcome, value] of text.matchAll(/^chat_db_replica_reads_total\{outcome="(\w+)"\} (\d+)/gm)) {
        totals[outcome as Outcome] += Number(value);
      }
    }
    return totals;
  };
  const directory = async (q: string) => {
    const { status, body } = await api<{ items: PublicUser[] }>(t.url, 'GET', `/users?q=${q}`, { token: admin.access_token });
    assert.equal(status, 200, JSON.stringify(body));
    return body.items.map((u) => u.id);
  };
  const members = async () => {
    const { status, body } = await api<{ userId: number }[]>(t.url, 'GET', `/rooms/${roomId}/members`, { token: owner.access_token });
    assert.equal(status, 200, JSON.stringify(body));
    return body.map((m) => m.userId);
  };
  const history = async (query: string) => {
    const { status, body } = await api<HistoryPage>(t.url, 'GET', `/rooms/${roomId}/messages${query}`, { token: owner.access_token });
    assert.equal(status, 200, JSON.stringify(body));
    return body;
  };
  const send = async (socket: Awaited<ReturnType<typeof t.connect>>['socket'], content: string) => {
    const ack = await request(socket, 'message', { room: roomId, msg: content });
    assert.ok(ack.ok, JSON.stringify(ack));
    return ack.data;
  };
  const stored = async (id: string) => {
    const [rows] = await t.db.query<RowDataPacket[]>('SELECT 1 FROM messages WHERE id = ?', [id]);
    return rows.length === 1;
  };

  it('reads an acknowledged message back at once, and every older page whole, while the replica applies nothing', async () => {
    const { socket } = await t.connect(owner.access_token);
    assert.ok((await request(socket, 'join_room', { room: roomId })).ok);
    for (let i = 0; i < 30; i++) await send(socket, `before the pause ${i}`);
    await eventually('the first messages stored', async () => (await history('?limit=100')).messages.length >= 30);
    await mysql.caughtUp();

    await mysql.pauseApply();
    try {
      const acked = await send(socket, 'read me back');
      // The head page, sync, and the page just below the head: all on the primary (or the read cache).
      assert.equal((await history('?limit=5')).messages[0]?.id, acked.id);
      const sync = await request(socket, 'sync', { room: roomId, afterSeq: acked.seq - 1 });
      assert.ok(sync.ok && sync.data.messages.some((m) => m.id === acked.id));

      // Once the worker has stored it and its read-cache entry is gone, only MySQL has it: the
      // primary has, the paused replica has not.
      const burst: { id: string; seq: number }[] = [];
      for (let i = 0; i < 40; i++) burst.push(await send(socket, `during the pause ${i}`));
      await eventually('the burst stored on the primary', async () => stored(burst.at(-1)?.id ?? ''));
      await sleep(2_500); // the worker clears the read cache about a second after its commit

      const before = await replicaReads();
      const head = burst.at(-1)?.seq ?? 0;
      const page = await history(`?before=${head - 5}&limit=20`);
      assert.deepEqual(
        page.messages.map((m) => m.seq),
        Array.from({ length: 20 }, (_, i) => head - 6 - i),
        'an older page the replica cannot complete comes whole from the primary',
      );
      const afterwards = await replicaReads();
      assert.equal(afterwards.unsettled - before.unsettled, 1, 'the replica was asked, and its page refused');
    } finally {
      await mysql.resumeApply();
    }
  });

  it('serves older pages from the replica once it has them', async () => {
    await mysql.caughtUp();
    const before = await replicaReads();
    const first = await history('?limit=10');
    assert.ok(first.nextCursor !== null);
    const older = await history(`?before=${first.nextCursor}&limit=10`);
    assert.equal(older.messages.length, 10);
    assert.deepEqual(
      older.messages.map((m) => m.seq),
      Array.from({ length: 10 }, (_, i) => (first.nextCursor ?? 0) - 1 - i),
    );
    const afterwards = await replicaReads();
    assert.equal(afterwards.served - before.served, 1);
  });

  it('the directory and member lists lag with the replica (they are read there), and catch up', async () => {
    await mysql.caughtUp();
    await mysql.pauseApply();
    let newcomer: Session;
    try {
      newcomer = await registerUser(t.url, `lagging${Date.now() % 100000}`);
      const invite = await api(t.url, 'POST', `/rooms/${roomId}/invites`, {
        token: owner.access_token,
        body: { userIds: [newcomer.user.id] },
      });
      assert.ok(invite.status < 300, JSON.stringify(invite.body));

      assert.deepEqual(await directory(newcomer.user.nickname), [], 'not on the replica yet');
      assert.ok(!(await members()).includes(newcomer.user.id), 'not on the replica yet');

      // What must read its own writes does: the newcomer is a member on the primary, so they may read the room.
      const theirs = await api(t.url, 'GET', `/rooms/${roomId}/messages?limit=1`, { token: newcomer.access_token });
      assert.equal(theirs.status, 200);
    } finally {
      await mysql.resumeApply();
    }
    await mysql.caughtUp();
    assert.deepEqual(await directory(newcomer.user.nickname), [newcomer.user.id]);
    assert.ok((await members()).includes(newcomer.user.id));
  });

  it('reads from the primary while the replica is down, and from the replica again once it is back', async () => {
    const replica = mysql.replicas[0];
    assert.ok(replica);
    const before = await replicaReads();
    await replica.stop('SIGKILL');
    try {
      for (let i = 0; i < 4; i++) assert.deepEqual(await directory(owner.user.nickname), [owner.user.id]);
      assert.ok((await replicaReads()).failed > before.failed, 'the replica was tried and failed');
    } finally {
      await replica.start();
    }
    await mysql.caughtUp();
    const served = (await replicaReads()).served;
    await eventually('reads on the replica again', async () => {
      await directory(owner.user.nickname);
      return (await replicaReads()).served > served;
    });
  });
});
