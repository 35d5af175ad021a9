import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RowDataPacket } from 'mysql2/promise';
import { io } from 'socket.io-client';
import { type ChatClient, connect, login, nextEvent, request, upgraded } from './support/clients';
import { useCluster } from './support/fixture';
import { itRelaysAcrossReplicas } from './support/relay';
import { eventually } from './support/wait';

/**
 * The cluster as users meet it: two gateway replicas behind nginx, the worker, MariaDB and a
 * Redis of its own, all real processes; every request goes through nginx's public origin.
 */
describe('cluster through nginx', { timeout: 180_000 }, () => {
  const t = useCluster({ gateways: 2 });

  it('refuses a socket without a valid token with connect_error "unauthorized"', async () => {
    for (const token of [undefined, 'not-a-jwt']) {
      await assert.rejects(connect(t.url, token), (error: Error) => error.message === 'unauthorized');
    }
  });

  itRelaysAcrossReplicas(t, 'nginx');

  it('keeps a polling-first client on one replica through handshake and upgrade, 50 times in a row', async () => {
    const { access_token } = await login(t.url, 'postman2@test.com');
    const seen = new Set<string>();
    // Kept open until the end: with each replica holding its sockets, least_conn alternates new
    // sessions between them (closing each at once left both at zero, where nginx's workers may pick
    // the same replica every time).
    const open: ChatClient[] = [];
    for (let i = 0; i < 50; i++) {
      const socket: ChatClient = io(t.url, { auth: { token: access_token }, transports: ['polling', 'websocket'], reconnection: false });
      open.push(socket);
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
        const joined = await request(socket, 'join_room', 1);
        assert.equal(joined.ok, false); // postman2 is not a member of room 1 in a fresh database
        seen.add(ready.replica);
      } catch (error) {
        for (const s of open) s.close();
        throw error;
      }
      assert.deepEqual(errors, [], `attempt ${i + 1}`);
    }
    for (const socket of open) socket.close();
    assert.equal(seen.size, 2, 'polling sessions are spread over both replicas');
  });

  it('shows each Redis role apart in /health/ready, gateway and worker alike', async () => {
    const target = t.redisUrl;
    const gateway = (await (await fetch(`${t.url}/health/ready`)).json()) as {
      details: Record<string, { status: string; role?: string; target?: string }>;
    };
    assert.deepEqual(
      ['redis', 'queue', 'pubsub'].map((key) => [
        key,
        gateway.details[key]?.status,
        gateway.details[key]?.role,
        gateway.details[key]?.target,
      ]),
      [
        ['redis', 'up', 'state', target],
        ['queue', 'up', 'queue', target],
        ['pubsub', 'up', 'pubsub', target],
      ],
    );
    const worker = (await (await fetch(`${t.cluster.workerHealthUrl}/health/ready`)).json()) as {
      details: Record<string, { status: string; role?: string }>;
    };
    assert.deepEqual(
      ['redis', 'redis-state'].map((key) => [worker.details[key]?.status, worker.details[key]?.role]),
      [
        ['up', 'queue'],
        ['up', 'state'],
      ],
    );
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
    const { socket } = await t.connect(access_token);
    await request(socket, 'join_room', 1);
    const ack = await request(socket, 'message', { room: 1, msg: 'after the outage' });
    assert.ok(ack.ok, JSON.stringify(ack));
    await eventually('the post-outage row', async () => {
      const [rows] = await t.db.query<RowDataPacket[]>('SELECT id FROM messages WHERE id = ?', [ack.data.id]);
      return rows.length === 1;
    });
  });
});
