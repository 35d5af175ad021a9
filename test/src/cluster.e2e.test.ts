import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RowDataPacket } from 'mysql2/promise';
import { io } from 'socket.io-client';
import { api, type ChatClient, connect, login, nextEvent, registerUser, upgraded } from './support/clients';
import { startTestCluster, type TestCluster } from './support/test-cluster';
import { eventually } from './support/wait';

/**
 * The cluster as users meet it: two gateway replicas behind nginx, the worker, MariaDB and a
 * Redis of its own, all real processes; every request goes through nginx's public origin.
 */
describe('cluster through nginx', { timeout: 180_000 }, () => {
  let t: TestCluster;
  const sockets: ChatClient[] = [];

  before(async () => {
    t = await startTestCluster({ gateways: 2 });
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await t?.stop();
  });

  it('refuses a socket without a valid token with connect_error "unauthorized"', async () => {
    for (const token of [undefined, 'not-a-jwt']) {
      await assert.rejects(connect(t.url, token), (error: Error) => error.message === 'unauthorized');
    }
  });

  it('spreads sockets from one IP over the replicas, and relays a message between them through Redis', async () => {
    const alice = await login(t.url, 'postman1@test.com');
    const bob = await registerUser(t.url);
    assert.equal((await api(t.url, 'POST', '/rooms/1/join', { token: bob.access_token })).status, 201);

    const opened = [];
    for (let i = 0; i < 4; i++) opened.push(await connect(t.url, i % 2 === 0 ? alice.access_token : bob.access_token));
    sockets.push(...opened.map((o) => o.socket));
    const replicas = new Set(opened.map((o) => o.ready.replica));
    assert.ok(replicas.size >= 2, `all sockets landed on ${[...replicas].join(', ')}`);

    const sender = opened.find((o) => o.ready.user.id === alice.user.id)!;
    const receiver = opened.find((o) => o.ready.user.id === bob.user.id && o.ready.replica !== sender.ready.replica);
    assert.ok(receiver, 'a receiver on another replica than the sender');
    for (const { socket } of [sender, receiver]) {
      const joined = await socket.emitWithAck('join_room', { room: 1 });
      assert.equal(joined.ok, true, JSON.stringify(joined));
    }

    const clientMsgId = `e2e-${Date.now()}`;
    const received = nextEvent(receiver.socket, 'message', (m) => m.clientMsgId === clientMsgId);
    const ack = await sender.socket.emitWithAck('message', { room: 1, msg: 'across replicas', clientMsgId });
    assert.ok(ack.ok, JSON.stringify(ack));
    assert.match(ack.data.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.ok(Number.isInteger(ack.data.seq) && ack.data.seq > 0);

    const message = await received;
    assert.equal(message.id, ack.data.id);
    assert.equal(message.seq, ack.data.seq);
    assert.equal(message.content, 'across replicas');
    assert.deepEqual(message.sender, { id: alice.user.id, nickname: 'postman1', role: 'user' });

    // The worker persisted the row and moved the room's denormalised last message to it.
    const [row] = await eventually('the message row', async () => {
      const [rows] = await t.db.query<RowDataPacket[]>('SELECT * FROM messages WHERE id = ?', [ack.data.id]);
      return rows.length > 0 && rows;
    });
    assert.equal(row.content, 'across replicas');
    assert.equal(Number(row.seq), ack.data.seq);
    assert.equal(row.client_msg_id, clientMsgId);
    const [[room]] = await t.db.query<RowDataPacket[]>('SELECT * FROM rooms WHERE id = 1');
    assert.equal(room.last_message_id, ack.data.id);
    assert.equal(room.last_message, 'across replicas');
    assert.equal(Number(room.last_seq), ack.data.seq);
    assert.equal((room.last_message_at as Date).toISOString(), ack.data.createdAt);
  });

  it('keeps a polling-first client on one replica through handshake and upgrade, 50 times in a row', async () => {
    const { access_token } = await login(t.url, 'postman2@test.com');
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const socket: ChatClient = io(t.url, { auth: { token: access_token }, transports: ['polling', 'websocket'], reconnection: false });
      const errors: string[] = [];
      socket.on('connect_error', (error) => errors.push(error.message));
      socket.io.engine?.on('error', (error: unknown) => errors.push(String(error)));
      try {
        const ready = await nextEvent(socket, 'ready', () => true, 10_000);
        const engine = socket.io.engine;
        await upgraded(socket);
        assert.equal(engine.transport.name, 'websocket');
        // The session id names the replica that created it, and that replica answered.
        assert.equal(engine.id.split('.')[0], ready.replica);
        // The upgraded socket still works end to end.
        const joined = await socket.emitWithAck('join_room', 1);
        assert.equal(joined.ok, false); // postman2 is not a member of room 1 in a fresh database
        seen.add(ready.replica);
      } finally {
        socket.close();
      }
      assert.deepEqual(errors, [], `attempt ${i + 1}`);
    }
    assert.equal(seen.size, 2, 'polling sessions are spread over both replicas');
  });

  it('reports not ready while Redis is unreachable, and recovers by itself when it is back', async () => {
    const status = async () => (await fetch(`${t.url}/health/ready`)).status;
    assert.equal(await status(), 200);
    await t.stopRedis();
    await eventually('readiness to fail', async () => (await status()) !== 200, 15_000, 250);
    for (const replica of t.cluster.replicas) {
      const response = await fetch(`http://127.0.0.1:${replica.port}/health/ready`);
      assert.equal(response.status, 503, replica.name);
      const body = (await response.json()) as { error: Record<string, unknown> };
      assert.ok('redis' in body.error && 'pubsub' in body.error, JSON.stringify(body.error));
    }
    assert.equal((await fetch(`${t.url}/health/live`)).status, 200, 'liveness is not readiness');

    await t.startRedis();
    await eventually('readiness to come back', async () => (await status()) === 200, 30_000, 250);
    for (const replica of t.cluster.replicas) {
      await eventually(`${replica.name} ready`, async () => (await fetch(`http://127.0.0.1:${replica.port}/health/ready`)).ok, 30_000, 250);
    }
    await eventually('worker ready', async () => (await fetch(`${t.cluster.workerHealthUrl}/health/ready`)).ok, 30_000, 250);

    // And the write path works again end to end.
    const { access_token } = await login(t.url, 'postman1@test.com');
    const { socket } = await connect(t.url, access_token);
    sockets.push(socket);
    await socket.emitWithAck('join_room', 1);
    const ack = await socket.emitWithAck('message', { room: 1, msg: 'after the outage' });
    assert.ok(ack.ok, JSON.stringify(ack));
    await eventually('the post-outage row', async () => {
      const [rows] = await t.db.query<RowDataPacket[]>('SELECT id FROM messages WHERE id = ?', [ack.data.id]);
      return rows.length === 1;
    });
  });
});
