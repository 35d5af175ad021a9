import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RowDataPacket } from 'mysql2/promise';
import { api, login, nextEvent, registerUser, request } from './clients';
import type { ClusterFixture } from './fixture';
import type { ClusterMode } from './test-cluster';
import { eventually } from './wait';

/** Each mode's title, and what it calls the processes a socket lands on. */
const relayModes: Record<ClusterMode, { title: string; replica: string }> = {
  nginx: { title: 'spreads sockets from one IP over the replicas, and relays a message between them through Redis', replica: 'replica' },
  sticky: { title: 'spreads sockets over the workers and relays a message between them', replica: 'worker' },
};

/**
 * The cross-replica relay, the one test both ways of running the replicas must pass alike: sockets
 * of one IP spread over the replicas, a message sent on one reaches a member on another through
 * the Redis adapter, and the worker stores it and the room's last message.
 */
export function itRelaysAcrossReplicas(t: ClusterFixture, mode: ClusterMode): void {
  const { title, replica } = relayModes[mode];
  it(title, async () => {
    const alice = await login(t.url, 'postman1@test.com');
    const bob = await registerUser(t.url);
    assert.equal((await api(t.url, 'POST', '/rooms/1/join', { token: bob.access_token })).status, 201);

    const opened = [];
    for (let i = 0; i < 4; i++) opened.push(await t.connect(i % 2 === 0 ? alice.access_token : bob.access_token));
    const replicas = new Set(opened.map((o) => o.ready.replica));
    assert.ok(replicas.size >= 2, `all sockets landed on ${[...replicas].join(', ')}`);

    const sender = opened.find((o) => o.ready.user.id === alice.user.id)!;
    const receiver = opened.find((o) => o.ready.user.id === bob.user.id && o.ready.replica !== sender.ready.replica);
    assert.ok(receiver, `a receiver on another ${replica} than the sender`);
    for (const { socket } of [sender, receiver]) {
      const joined = await request(socket, 'join_room', { room: 1 });
      assert.equal(joined.ok, true, JSON.stringify(joined));
    }

    const content = `across ${replica}s`;
    const clientMsgId = `e2e-${Date.now()}`;
    const received = nextEvent(receiver.socket, 'message', (m) => m.clientMsgId === clientMsgId);
    const ack = await request(sender.socket, 'message', { room: 1, msg: content, clientMsgId });
    assert.ok(ack.ok, JSON.stringify(ack));
    assert.match(ack.data.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.ok(Number.isInteger(ack.data.seq) && ack.data.seq > 0);

    const message = await received;
    assert.equal(message.id, ack.data.id);
    assert.equal(message.seq, ack.data.seq);
    assert.equal(message.content, content);
    assert.deepEqual(message.sender, { id: alice.user.id, nickname: 'postman1', role: 'user' });

    // The worker persisted the row and moved the room's denormalised last message to it.
    const [row] = await eventually('the message row', async () => {
      const [rows] = await t.db.query<RowDataPacket[]>('SELECT * FROM messages WHERE id = ?', [ack.data.id]);
      return rows.length > 0 && rows;
    });
    assert.equal(row.content, content);
    assert.equal(Number(row.seq), ack.data.seq);
    assert.equal(row.client_msg_id, clientMsgId);
    const [[room]] = await t.db.query<RowDataPacket[]>('SELECT * FROM rooms WHERE id = 1');
    assert.equal(room.last_message_id, ack.data.id);
    assert.equal(room.last_message, content);
    assert.equal(Number(room.last_seq), ack.data.seq);
    assert.equal((room.last_message_at as Date).toISOString(), ack.data.createdAt);
  });
}
