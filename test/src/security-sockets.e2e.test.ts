import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import type { Ack, Session } from '@chat/contracts';
import { parseCounter } from './bench/metrics';
import { median } from './load/load';
import { type ChatClient, request } from './support/clients';
import { useCluster } from './support/fixture';
import { http, PRODUCTION_LIMITS, registerFromFreshAddress } from './support/source-address';
import { eventually } from './support/wait';
import WebSocket from 'ws';

/**
 * The security review's findings on sockets (M4 event floods, L7 sockets per user), against a
 * cluster with the production limits: 20 non-message events per second per user (bursts of 40),
 * 20 sockets per user.
 */
describe('security: socket floods and connection caps', { timeout: 240_000 }, () => {
  const t = useCluster({ gateways: 2, env: PRODUCTION_LIMITS });

  const users = (count: number) => Promise.all(Array.from({ length: count }, () => registerFromFreshAddress(t.url)));
  const open = (session: Session) => t.connect(session.access_token);
  async function roomOf(owner: Session, members: Session[]): Promise<number> {
    const created = await http<{ id: number }>(t.url, 'POST', '/rooms', {
      token: owner.access_token,
      body: { name: `flood ${randomUUID().slice(0, 6)}`, invitedUserIds: members.map((m) => m.user.id) },
    });
    assert.equal(created.status, 201, created.text);
    return created.body.id;
  }
  /** Emits every payload at once and gathers the acks (a missing ack fails after `timeoutMs`). */
  const flood = (socket: ChatClient, event: 'typing' | 'join_room', payloads: unknown[], timeoutMs = 60_000) => {
    // timeout() applies to the next emit only.
    type Timed = { emitWithAck(event: string, payload: unknown): Promise<Ack<unknown>> };
    return Promise.all(payloads.map((payload) => (socket.timeout(timeoutMs) as unknown as Timed).emitWithAck(event, payload)));
  };
  const codeOf = (ack: Ack<unknown>) => (ack.ok ? 'ok' : ack.error.code);
  const tally = (acks: Ack<unknown>[]) =>
    acks.reduce<Record<string, number>>((n, ack) => ({ ...n, [codeOf(ack)]: (n[codeOf(ack)] ?? 0) + 1 }), {});
  async function queriesOf(replica: string): Promise<number> {
    const handle = t.cluster.replicas.find((r) => r.name === replica) ?? assert.fail(`no replica ${replica}`);
    const metrics = await http(handle.metricsUrl, 'GET', '');
    assert.equal(metrics.status, 200, `${handle.metricsUrl}: ${metrics.status}`);
    return parseCounter(metrics.text, 'chat_db_queries_total') ?? assert.fail('no chat_db_queries_total');
  }

  it('M4: 2,000 typing events from one socket are mostly refused, barely relayed, and never disconnect it', async () => {
    const [owner, typist] = await users(2);
    const roomId = await roomOf(owner, [typist]);
    const observer = (await open(owner)).socket;
    const socket = (await open(typist)).socket;
    for (const s of [observer, socket]) assert.equal((await request(s, 'join_room', roomId)).ok, true);
    let relayed = 0;
    observer.on('typing', (event) => (relayed += event.userId === typist.user.id ? 1 : 0));
    const exceptions: { code: string }[] = [];
    socket.on('exception', (event) => exceptions.push(event));

    const started = performance.now();
    const acks = await flood(
      socket,
      'typing',
      Array.from({ length: 2_000 }, () => ({ room: roomId, typing: true })),
    );
    await sleep(1_000); // relays still in flight
    const seconds = (performance.now() - started) / 1000;
    const counts = tally(acks);
    process.stdout.write(`# M4 typing: acks ${JSON.stringify(counts)}, ${relayed} relayed to the observer in ${seconds.toFixed(1)} s\n`);

    assert.ok((counts.RATE_LIMITED ?? 0) > 1_000, `most typing events must be refused: ${JSON.stringify(counts)}`);
    assert.ok(
      exceptions.some((e) => e.code === 'RATE_LIMITED'),
      'an `exception` event tells the client it is limited',
    );
    assert.ok(relayed <= 3 * seconds + 3, `${relayed} typing events relayed in ${seconds.toFixed(1)} s`);
    assert.equal(socket.connected, true, 'the flooding socket was disconnected');
    await sleep(2_100);
    const after = await request(socket, 'typing', { room: roomId, typing: false });
    assert.equal(after.ok, true, `a typing event after the flood: ${JSON.stringify(after)}`);
  });

  it('M4: 2,000 join_room calls to unknown rooms are limited and cost far fewer than 2,000 SQL statements', async () => {
    const [user] = await users(1);
    const { socket, ready } = await open(user);
    const before = await queriesOf(ready.replica);
    const started = performance.now();
    const acks = await flood(
      socket,
      'join_room',
      Array.from({ length: 2_000 }, (_, i) => ({ room: 1_500_000_000 + i })),
    );
    const seconds = (performance.now() - started) / 1000;
    const counts = tally(acks);
    const queries = (await queriesOf(ready.replica)) - before;
    process.stdout.write(`# M4 join_room: acks ${JSON.stringify(counts)} in ${seconds.toFixed(1)} s, ${queries} SQL statements\n`);

    const answered = 2_000 - (counts.RATE_LIMITED ?? 0);
    assert.ok(answered <= 40 + 20 * seconds + 10, `${answered} join_room calls got past a budget of 20/s (bursts of 40)`);
    assert.ok(counts.ok === undefined, 'an unknown room was joined');
    assert.ok(queries < 200, `${queries} SQL statements for 2,000 join_room calls`);
    assert.equal(socket.connected, true);
  });

  it('M4: repeated join_room calls to one unknown room are answered from a brief negative cache', async () => {
    const [user] = await users(1);
    const { socket, ready } = await open(user);
    const unknown = 1_600_000_000;
    assert.equal(codeOf(await request(socket, 'join_room', unknown)), 'NOT_FOUND');
    const before = await queriesOf(ready.replica);
    for (let i = 0; i < 15; i++) assert.equal(codeOf(await request(socket, 'join_room', unknown)), 'NOT_FOUND');
    const queries = (await queriesOf(ready.replica)) - before;
    assert.ok(queries <= 3, `${queries} SQL statements for 15 lookups of one unknown room`);
  });

  it('M4: another user’s message latency during a 2,000-event flood stays within twice its idle value', async () => {
    const [sender, receiver, flooder] = await users(3);
    const roomId = await roomOf(sender, [receiver, flooder]);
    const sending = (await open(sender)).socket;
    const receiving = (await open(receiver)).socket;
    const flooding = (await open(flooder)).socket;
    for (const s of [sending, receiving, flooding]) assert.equal((await request(s, 'join_room', roomId)).ok, true);

    const sentAt = new Map<string, number>();
    const latencies = new Map<string, number>();
    receiving.on('message', (m) => {
      const at = m.clientMsgId ? sentAt.get(m.clientMsgId) : undefined;
      if (at !== undefined) latencies.set(m.clientMsgId!, performance.now() - at);
    });
    /** 30 messages, one every 120 ms (within the send limit of 10/s); the median send→receive latency. */
    const measure = async (phase: string) => {
      const ids: string[] = [];
      for (let i = 0; i < 30; i++) {
        const clientMsgId = `${phase}-${i}-${randomUUID().slice(0, 8)}`;
        ids.push(clientMsgId);
        sentAt.set(clientMsgId, performance.now());
        sending.emit('message', { room: roomId, msg: `${phase} ${i}`, clientMsgId }, () => undefined);
        await sleep(120);
      }
      await eventually(`the ${phase} messages to arrive`, () => Promise.resolve(ids.every((id) => latencies.has(id))), 15_000);
      return median(ids.map((id) => latencies.get(id)!));
    };

    await measure('warm-up');
    const idle = await measure('idle');
    // 2,000 typing events in bursts of 50 every 90 ms, over the whole measurement.
    const flooded = (async () => {
      const acks: Promise<Ack<unknown>[]>[] = [];
      for (let sent = 0; sent < 2_000; sent += 50) {
        acks.push(
          flood(
            flooding,
            'typing',
            Array.from({ length: 50 }, () => ({ room: roomId, typing: true })),
          ),
        );
        await sleep(90);
      }
      return (await Promise.all(acks)).flat();
    })();
    const during = await measure('flood');
    const counts = tally(await flooded);
    process.stdout.write(
      `# M4 latency: median send→receive ${idle.toFixed(1)} ms idle, ${during.toFixed(1)} ms during the flood (flood acks ${JSON.stringify(counts)})\n`,
    );
    assert.ok(
      during <= Math.max(2 * idle, idle + 15),
      `median latency ${during.toFixed(1)} ms during the flood against ${idle.toFixed(1)} ms idle`,
    );
  });

  it('L7: the 21st socket of one user is refused with too_many_connections; closing one lets a new one in', async () => {
    const [user] = await users(1);
    const sockets: ChatClient[] = [];
    for (let i = 0; i < 20; i++) sockets.push((await open(user)).socket);
    const refused = await t.connect(user.access_token).then(
      () => undefined,
      (error: Error & { data?: { code?: string } }) => error,
    );
    assert.ok(refused, 'a 21st socket connected');
    assert.equal(refused.message, 'too_many_connections');
    assert.equal(refused.data?.code, 'RATE_LIMITED');
    assert.equal(
      sockets.every((s) => s.connected),
      true,
      'the 20 open sockets are untouched',
    );

    sockets[0].close();
    await eventually('a socket to be accepted after one closed', async () => Boolean(await open(user).catch(() => undefined)), 10_000, 200);
  });

  it('L7: sockets whose clients leave during the handshake are not left counted against the cap', async () => {
    const [user] = await users(1);
    const origin = t.url.replace(/^http/, 'ws');
    // Each one sends its CONNECT and hangs up at once: Socket.IO then drops the socket once the
    // middlewares are done, without a `disconnect`.
    for (let i = 0; i < 30; i++) {
      const ws = new WebSocket(`${origin}/socket.io/?EIO=4&transport=websocket`);
      await new Promise<void>((resolve, reject) => {
        ws.once('error', reject);
        ws.once('message', () => {
          ws.send(`40${JSON.stringify({ token: user.access_token })}`);
          ws.terminate();
          resolve();
        });
      });
    }
    await sleep(1_000);
    for (let i = 0; i < 20; i++) {
      const { socket } = await open(user).catch((error: Error) => assert.fail(`socket ${i + 1} of 20 refused: ${error.message}`));
      assert.equal(socket.connected, true);
    }
  });
});
