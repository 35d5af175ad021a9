import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RowDataPacket } from 'mysql2/promise';
import { io } from 'socket.io-client';
import { api, type ChatClient, connect, login, nextEvent, registerUser, upgraded } from './support/clients';
import { startTestCluster, type TestCluster } from './support/test-cluster';
import { eventually } from './support/wait';

/** Single-host mode: node:cluster + @socket.io/sticky in place of nginx, same apps otherwise. */
describe('single-host mode (node:cluster + @socket.io/sticky)', { timeout: 180_000 }, () => {
  let t: TestCluster;
  const sockets: ChatClient[] = [];

  before(async () => {
    t = await startTestCluster({ mode: 'sticky', gateways: 2 });
  });

  after(async () => {
    for (const socket of sockets) socket.close();
    await t?.stop();
  });

  it('spreads sockets over the workers and relays a message between them', async () => {
    const alice = await login(t.url, 'postman1@test.com');
    const bob = await registerUser(t.url);
    assert.equal((await api(t.url, 'POST', '/rooms/1/join', { token: bob.access_token })).status, 201);

    const opened = [];
    for (let i = 0; i < 4; i++) opened.push(await connect(t.url, i % 2 === 0 ? alice.access_token : bob.access_token));
    sockets.push(...opened.map((o) => o.socket));
    const sender = opened.find((o) => o.ready.user.id === alice.user.id)!;
    const receiver = opened.find((o) => o.ready.user.id === bob.user.id && o.ready.replica !== sender.ready.replica);
    assert.ok(receiver, `all sockets on ${[...new Set(opened.map((o) => o.ready.replica))].join(', ')}`);
    for (const { socket } of [sender, receiver]) assert.equal((await socket.emitWithAck('join_room', 1)).ok, true);

    const received = nextEvent(receiver.socket, 'message', (m) => m.content === 'across workers');
    const ack = await sender.socket.emitWithAck('message', { room: 1, msg: 'across workers' });
    assert.ok(ack.ok, JSON.stringify(ack));
    assert.equal((await received).id, ack.data.id);
    await eventually('the message row', async () => {
      const [rows] = await t.db.query<RowDataPacket[]>('SELECT id FROM messages WHERE id = ?', [ack.data.id]);
      return rows.length === 1;
    });
  });

  it('keeps a polling-first client on its worker through handshake and upgrade, 20 times in a row', async () => {
    const { access_token } = await login(t.url, 'postman1@test.com');
    for (let i = 0; i < 20; i++) {
      const socket: ChatClient = io(t.url, { auth: { token: access_token }, transports: ['polling', 'websocket'], reconnection: false });
      const errors: string[] = [];
      socket.on('connect_error', (error) => errors.push(error.message));
      try {
        await nextEvent(socket, 'ready', () => true, 10_000);
        await upgraded(socket);
        assert.equal((await socket.emitWithAck('join_room', 1)).ok, true);
      } finally {
        socket.close();
      }
      assert.deepEqual(errors, [], `attempt ${i + 1}`);
    }
  });
});
