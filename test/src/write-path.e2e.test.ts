import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { type ConnectionOptions, Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import type { RowDataPacket } from 'mysql2/promise';
import { type HistoryPage, JobName, type JobPayloads, QueueName } from '@chat/contracts';
import { bullConnection, type RedisClient } from '@chat/redis';
import { api, createRoom, registerUser, request } from './support/clients';
import { useCluster } from './support/fixture';
import { eventually } from './support/wait';

/** The write path's guarantees that need the worker to misbehave: read-your-writes and the dead-letter queue. */
describe('write path', { timeout: 180_000 }, () => {
  const t = useCluster({ gateways: 2 });
  let redis: RedisClient;

  before(() => {
    redis = t.track(t.redis());
  });

  const rowsOf = async (room: number) => {
    const [rows] = await t.db.query<RowDataPacket[]>('SELECT seq FROM messages WHERE room_id = ? ORDER BY seq', [room]);
    return rows.map((r) => Number(r.seq));
  };

  it('history and sync return acknowledged messages the worker has not written yet, and MySQL catches up', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    const { socket } = await t.connect(owner.access_token);
    assert.ok((await request(socket, 'join_room', room)).ok);
    const early = await request(socket, 'message', { room, msg: 'persisted' });
    assert.ok(early.ok);
    await eventually('the first row', async () => (await rowsOf(room)).length === 1);
    // The worker clears what it wrote from the read cache within a second.
    const { recentMessages } = t.keys;
    await eventually('the first message out of the read cache', async () => (await redis.zcard(recentMessages(room))) === 0);

    await t.cluster.supervisor.stopOne('worker', 'SIGKILL');
    const acked: number[] = [];
    for (let i = 0; i < 5; i++) {
      const ack = await request(socket, 'message', { room, msg: `pending ${i}`, clientMsgId: `pending-${i}` });
      assert.ok(ack.ok, JSON.stringify(ack));
      acked.push(ack.data.seq);
    }
    assert.deepEqual(await rowsOf(room), [early.data.seq], 'nothing reached MySQL while the worker was down');

    const history = await api<HistoryPage>(t.url, 'GET', `/rooms/${room}/messages`, { token: owner.access_token });
    assert.deepEqual(
      history.body.messages.map((m) => m.seq),
      [...acked].reverse().concat(early.data.seq),
    );
    const page = await api<HistoryPage>(t.url, 'GET', `/rooms/${room}/messages?after=${acked[0]}&limit=2`, { token: owner.access_token });
    assert.deepEqual([page.body.messages.map((m) => m.seq), page.body.nextCursor], [acked.slice(1, 3), acked[2]]);
    const sync = await request(socket, 'sync', { room, afterSeq: early.data.seq });
    assert.ok(sync.ok);
    assert.deepEqual(
      sync.data.messages.map((m) => [m.seq, m.content, m.clientMsgId]),
      acked.map((seq, i) => [seq, `pending ${i}`, `pending-${i}`]),
    );

    t.cluster.supervisor.resume('worker');
    await eventually('the pending rows', async () => (await rowsOf(room)).length === 6, 30_000, 200);
    assert.deepEqual(await rowsOf(room), [early.data.seq, ...acked]);
    // Once written, the messages are served from MySQL alone.
    await eventually('the pending set to empty', async () => (await redis.zcard(recentMessages(room))) === 0);
  });

  it('a message that fails every attempt goes to the dead-letter queue, is counted, and holds nothing else back', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    const { bullPrefix } = t.keys;
    // BullMQ takes options for one server and a client for a Redis Cluster (closed below).
    const connection = () => bullConnection(t.redisUrl, 'producer') as ConnectionOptions;
    const messages = new Queue<JobPayloads[typeof JobName.PersistMessage]>(QueueName.Messages, {
      connection: connection(),
      prefix: bullPrefix,
    });
    const deadLetters = new Queue(QueueName.DeadLetters, { connection: connection(), prefix: bullPrefix });
    try {
      // A message for a room that does not exist: MySQL refuses its row (foreign key) on every attempt.
      const poison = { id: '01ARZ3NDEKTSV4RRFFQ69G5FAV', roomId: 999_999, seq: 1, senderId: null, type: 'chat' as const };
      await messages.add(
        JobName.PersistMessage,
        { ...poison, content: 'poison', clientMsgId: null, createdAt: new Date().toISOString() },
        { jobId: poison.id, attempts: 2, backoff: { type: 'fixed', delay: 50 } },
      );
      const { socket } = await t.connect(owner.access_token);
      const fine = await request(socket, 'message', { room, msg: 'unaffected' });
      assert.ok(fine.ok);
      await eventually('the healthy message', async () => (await rowsOf(room)).includes(fine.data.seq));

      const dead = await eventually('the dead letter', () => deadLetters.getJob(poison.id), 15_000, 200);
      assert.equal((dead.data as { message: { id: string } }).message.id, poison.id);
      const metrics = await (await fetch(`${t.cluster.workerHealthUrl}/metrics`)).text();
      assert.match(metrics, /^chat_messages_dead_lettered_total 1$/m);
    } finally {
      await messages.close();
      await deadLetters.close();
      for (const queue of [messages, deadLetters]) if (queue.opts.connection instanceof Cluster) await queue.opts.connection.quit();
    }
  });

  it('a room whose seq counter Redis lost resumes above MySQL, not at the cached floor: no persisted seq is reused', async () => {
    const owner = await registerUser(t.url);
    const room = await createRoom(t.url, owner);
    const { socket } = await t.connect(owner.access_token);
    assert.ok((await request(socket, 'join_room', room)).ok);
    const first: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ack = await request(socket, 'message', { room, msg: `before ${i}` });
      assert.ok(ack.ok, JSON.stringify(ack));
      first.push(ack.data.seq);
    }
    await eventually('the rows and last_seq', async () => {
      const [rooms] = await t.db.query<RowDataPacket[]>('SELECT last_seq FROM rooms WHERE id = ?', [room]);
      return (await rowsOf(room)).length === 3 && Number(rooms[0]?.last_seq) === first[2];
    });

    // The replica's membership cache still holds the room as it was at the first send (last_seq 0).
    await redis.del(t.keys.roomSeq(room));
    const ack = await request(socket, 'message', { room, msg: 'after the loss' });
    assert.ok(ack.ok, JSON.stringify(ack));
    assert.equal(ack.data.seq, first[2] + 1);
    await eventually('the new row', async () => (await rowsOf(room)).length === 4);
    assert.deepEqual(await rowsOf(room), [...first, ack.data.seq]);
  });
});
