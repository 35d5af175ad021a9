import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';
import type { Session } from '@chat/contracts';
import { api, createRoom, registerUser } from './support/clients';
import { useCluster } from './support/fixture';
import { repoRoot } from './support/test-cluster';

/**
 * The k6 scripts cannot run here (no k6), so their Socket.IO framing, loadtest/lib/socketio.js,
 * is checked on its own: first frame by frame, then as the only protocol code between Node's `ws`
 * and the real cluster, doing what chat.js does under load.
 */

// The module is plain JS shared with k6; these are the parts of its surface the suite uses.
type OpenData = { sid: string; upgrades: string[]; pingInterval: number; pingTimeout: number; maxPayload: number };
type EnginePacket = { type: string; data?: unknown };
type SocketPacket = { type: number; nsp: string; id?: number; data?: unknown };
type AckResult = { id: number; event: string; args: unknown[] | null; latencyMs: number; error: null | 'timeout' | 'closed' };
interface Client {
  state: string;
  handshake: OpenData | null;
  sid: string | null;
  pingsAnswered: number;
  readonly pendingAcks: number;
  on(event: string, listener: (...args: never[]) => void): Client;
  handle(text: string): void;
  emit(event: string, ...args: unknown[]): void;
  request(event: string, payload: unknown, callback: (result: AckResult) => void): number;
  expireAcks(timeoutMs: number): number;
  heartbeatOverdue(): boolean;
  close(): void;
  transportClosed(): void;
}
interface Framing {
  socketUrl(baseUrl: string, query?: Record<string, string>): string;
  encodeEnginePacket(packet: EnginePacket): string;
  decodeEnginePacket(text: string): EnginePacket;
  encodeSocketPacket(packet: SocketPacket): string;
  decodeSocketPacket(text: string): SocketPacket;
  decodeFrame(text: string): { engine: EnginePacket; socket?: SocketPacket };
  connectFrame(auth?: Record<string, unknown>, nsp?: string): string;
  eventFrame(event: string, args: unknown[], id?: number, nsp?: string): string;
  ackFrame(id: number, args: unknown[], nsp?: string): string;
  disconnectFrame(nsp?: string): string;
  SocketIoClient: new (options: {
    send: (text: string) => void;
    auth?: Record<string, unknown>;
    nsp?: string;
    now?: () => number;
  }) => Client;
}

let framing: Promise<Framing> | undefined;
/** Loads the ES module from this CommonJS suite, once, the way k6 would: as a file URL. */
function loadFraming(): Promise<Framing> {
  framing ??= import(pathToFileURL(join(repoRoot, 'loadtest/lib/socketio.js')).href) as Promise<Framing>;
  return framing;
}

const OPEN = '0{"sid":"gw-1.abc","upgrades":[],"pingInterval":25000,"pingTimeout":20000,"maxPayload":1048576}';

describe('k6 Socket.IO framing: packets', () => {
  let f: Framing;
  before(async () => {
    f = await loadFraming();
  });

  it('builds the WebSocket URL of the websocket transport from an HTTP origin', () => {
    assert.equal(f.socketUrl('http://localhost:8080/'), 'ws://localhost:8080/socket.io/?EIO=4&transport=websocket');
    assert.equal(
      f.socketUrl('https://chat.example.com', { token: 'a b' }),
      'wss://chat.example.com/socket.io/?EIO=4&transport=websocket&token=a%20b',
    );
  });

  it('decodes the Engine.IO open packet and round-trips the others', () => {
    assert.deepEqual(f.decodeEnginePacket(OPEN), {
      type: 'open',
      data: { sid: 'gw-1.abc', upgrades: [], pingInterval: 25000, pingTimeout: 20000, maxPayload: 1048576 },
    });
    assert.equal(f.encodeEnginePacket(f.decodeEnginePacket(OPEN)), OPEN);
    for (const text of ['1', '2', '3', '2probe', '3probe', '4hello', '5', '6'])
      assert.equal(f.encodeEnginePacket(f.decodeEnginePacket(text)), text);
    assert.deepEqual(f.decodeEnginePacket('2'), { type: 'ping', data: '' });
    assert.deepEqual(f.decodeEnginePacket('42["x"]'), { type: 'message', data: '2["x"]' });
  });

  it('encodes and decodes every Socket.IO packet the chat uses, byte for byte', () => {
    const cases: Array<[SocketPacket, string]> = [
      [{ type: 0, nsp: '/', data: { token: 'abc' } }, '0{"token":"abc"}'],
      [{ type: 0, nsp: '/', data: { sid: 'Xy_1' } }, '0{"sid":"Xy_1"}'],
      [{ type: 0, nsp: '/' }, '0'],
      [
        { type: 4, nsp: '/', data: { message: 'unauthorized', data: { code: 'UNAUTHORIZED' } } },
        '4{"message":"unauthorized","data":{"code":"UNAUTHORIZED"}}',
      ],
      [{ type: 2, nsp: '/', data: ['ready', { replica: 'gw-1' }] }, '2["ready",{"replica":"gw-1"}]'],
      [{ type: 2, nsp: '/', id: 12, data: ['message', { room: 1, msg: 'hi' }] }, '212["message",{"room":1,"msg":"hi"}]'],
      [{ type: 2, nsp: '/', id: 0, data: ['join_room', 7] }, '20["join_room",7]'],
      [{ type: 3, nsp: '/', id: 12, data: [{ ok: true, data: { id: '01J', seq: 3 } }] }, '312[{"ok":true,"data":{"id":"01J","seq":3}}]'],
      [{ type: 1, nsp: '/' }, '1'],
      [{ type: 2, nsp: '/admin', id: 5, data: ['x'] }, '2/admin,5["x"]'],
      [{ type: 0, nsp: '/admin' }, '0/admin,'],
    ];
    for (const [packet, text] of cases) {
      assert.equal(f.encodeSocketPacket(packet), text);
      assert.deepEqual(f.decodeSocketPacket(text), packet, text);
    }
  });

  it('builds whole frames: CONNECT with auth, EMIT with and without ack id, ACK, DISCONNECT', () => {
    assert.equal(f.connectFrame({ token: 't' }), '40{"token":"t"}');
    assert.equal(f.connectFrame(), '40');
    assert.equal(
      f.eventFrame('message', [{ room: 1, msg: 'hi', clientMsgId: 'c1' }], 7),
      '427["message",{"room":1,"msg":"hi","clientMsgId":"c1"}]',
    );
    assert.equal(f.eventFrame('typing', [{ room: 1, typing: true }]), '42["typing",{"room":1,"typing":true}]');
    assert.equal(f.ackFrame(7, [{ ok: true, data: {} }]), '437[{"ok":true,"data":{}}]');
    assert.equal(f.disconnectFrame(), '41');
    assert.deepEqual(f.decodeFrame('435[{"ok":false}]'), {
      engine: { type: 'message', data: '35[{"ok":false}]' },
      socket: { type: 3, nsp: '/', id: 5, data: [{ ok: false }] },
    });
    assert.deepEqual(f.decodeFrame('3'), { engine: { type: 'pong', data: '' } });
  });

  it('refuses what socket.io-parser refuses, instead of sending or dispatching it', () => {
    for (const text of [
      '',
      ' ',
      '7',
      '4 ',
      '0{}',
      '0nope',
      '4',
      '49',
      '42{"a":1}',
      '42["connect"]',
      '42[',
      '43{"a":1}',
      '41{"x":1}',
      '451-["x",{"_placeholder":true,"num":0}]',
    ]) {
      assert.throws(() => f.decodeFrame(text), /malformed|unsupported|invalid/, JSON.stringify(text));
    }
    assert.throws(() => f.eventFrame('disconnect', []), /invalid payload/);
    assert.throws(() => f.encodeSocketPacket({ type: 5, nsp: '/', data: ['x'] }), /binary/);
  });
});

/** A SocketIoClient on a fake transport and a fake clock. */
function fakeClient(f: Framing, auth?: Record<string, unknown>) {
  const sent: string[] = [];
  const clock = { now: 1_000 };
  const client = new f.SocketIoClient({ send: (text) => sent.push(text), auth, now: () => clock.now });
  return { client, sent, clock };
}

describe('k6 Socket.IO framing: client state machine', () => {
  let f: Framing;
  before(async () => {
    f = await loadFraming();
  });

  it('connects with auth on the open packet and sends what was emitted before that once connected', () => {
    const { client, sent } = fakeClient(f, { token: 'tok' });
    const seen: string[] = [];
    client.on('open', (open: OpenData) => seen.push(`open ${open.sid}`)).on('connect', () => seen.push('connect'));
    client.request('join_room', 1, () => undefined);
    assert.deepEqual(sent, [], 'nothing before the handshake');
    client.handle(OPEN);
    assert.deepEqual(sent, ['40{"token":"tok"}']);
    assert.equal(client.state, 'connecting');
    client.handle('40{"sid":"s-1"}');
    assert.equal(client.state, 'connected');
    assert.equal(client.sid, 's-1');
    assert.deepEqual(sent, ['40{"token":"tok"}', '420["join_room",1]']);
    assert.deepEqual(seen, ['open gw-1.abc', 'connect']);
  });

  it('answers every ping with a pong carrying the same data, and tracks server silence', () => {
    const { client, sent, clock } = fakeClient(f);
    client.handle(OPEN);
    client.handle('40{"sid":"s"}');
    sent.length = 0;
    client.handle('2');
    client.handle('2probe');
    assert.deepEqual(sent, ['3', '3probe']);
    assert.equal(client.pingsAnswered, 2);
    clock.now += 25_000 + 20_000;
    assert.equal(client.heartbeatOverdue(), false);
    clock.now += 1;
    assert.equal(client.heartbeatOverdue(), true, 'silent past pingInterval + pingTimeout');
    client.handle('2');
    assert.equal(client.heartbeatOverdue(), false);
  });

  it('matches acks to requests by id, with their latency, and dispatches server events', () => {
    const { client, sent, clock } = fakeClient(f);
    client.handle(OPEN);
    client.handle('40{"sid":"s"}');
    const results: AckResult[] = [];
    const first = client.request('message', { room: 1, msg: 'a' }, (r) => results.push(r));
    clock.now += 10;
    const second = client.request('message', { room: 1, msg: 'b' }, (r) => results.push(r));
    assert.deepEqual(sent.slice(1), [`42${first}["message",{"room":1,"msg":"a"}]`, `42${second}["message",{"room":1,"msg":"b"}]`]);
    clock.now += 30;
    client.handle(`43${second}[{"ok":true,"data":{"id":"B","seq":2,"createdAt":"x"}}]`);
    client.handle(`43${first}[{"ok":false,"error":{"code":"RATE_LIMITED","message":"slow down"}}]`);
    client.handle('4399[{"ok":true}]');
    assert.deepEqual(results, [
      { id: second, event: 'message', args: [{ ok: true, data: { id: 'B', seq: 2, createdAt: 'x' } }], latencyMs: 30, error: null },
      {
        id: first,
        event: 'message',
        args: [{ ok: false, error: { code: 'RATE_LIMITED', message: 'slow down' } }],
        latencyMs: 40,
        error: null,
      },
    ]);
    assert.equal(client.pendingAcks, 0);

    const events: unknown[][] = [];
    client.on('message', (...args: unknown[]) => events.push(args));
    client.handle('42["message",{"id":"B"}]');
    client.handle('42/other,["message",{"id":"elsewhere"}]');
    assert.deepEqual(events, [[{ id: 'B' }]]);
  });

  it('times out unanswered acks, ignores them when they come late, and fails the rest on close', () => {
    const { client, clock } = fakeClient(f);
    client.handle(OPEN);
    client.handle('40{"sid":"s"}');
    const results: AckResult[] = [];
    const slow = client.request('message', {}, (r) => results.push(r));
    clock.now += 4_000;
    client.request('typing', {}, (r) => results.push(r));
    clock.now += 1_000;
    assert.equal(client.expireAcks(5_000), 1);
    client.handle(`43${slow}[{"ok":true}]`);
    const disconnects: string[] = [];
    client.on('disconnect', (reason: string) => disconnects.push(reason));
    client.transportClosed();
    client.request('message', {}, (r) => results.push(r));
    assert.deepEqual(
      results.map((r) => [r.event, r.error, r.latencyMs]),
      [
        ['message', 'timeout', 5_000],
        ['typing', 'closed', 1_000],
        ['message', 'closed', 0],
      ],
    );
    assert.deepEqual(disconnects, ['transport close']);
    assert.equal(client.state, 'disconnected');
  });

  it('reports CONNECT_ERROR, server disconnects and undecodable frames without throwing', () => {
    const refused = fakeClient(f, { token: 'bad' });
    const errors: unknown[] = [];
    const results: AckResult[] = [];
    refused.client.on('connect_error', (e: unknown) => errors.push(e));
    refused.client.request('join_room', 1, (r) => results.push(r));
    refused.client.handle(OPEN);
    refused.client.handle('44{"message":"unauthorized","data":{"code":"UNAUTHORIZED"}}');
    assert.deepEqual(errors, [{ message: 'unauthorized', data: { code: 'UNAUTHORIZED' } }]);
    assert.equal(refused.client.state, 'refused');
    assert.deepEqual(
      results.map((r) => r.error),
      ['closed'],
    );

    const dropped = fakeClient(f);
    const seen: string[] = [];
    dropped.client.on('disconnect', (reason: string) => seen.push(reason)).on('error', (e: Error) => seen.push(e.message));
    dropped.client.handle(OPEN);
    dropped.client.handle('40{"sid":"s"}');
    dropped.client.handle('4{{');
    dropped.client.handle('41');
    assert.deepEqual(seen, ['unsupported Socket.IO packet: {{', 'io server disconnect']);
  });

  it('says goodbye with 41 when it closes a connected socket', () => {
    const { client, sent } = fakeClient(f);
    client.handle(OPEN);
    client.handle('40{"sid":"s"}');
    client.close();
    assert.equal(sent.at(-1), '41');
    assert.equal(client.state, 'disconnected');
  });
});

/** A raw WebSocket to the cluster with the framing module's client on it, and what went over the wire. */
interface RawSocket {
  ws: WebSocket;
  client: Client;
  sent: string[];
  received: string[];
  closed: Promise<number>;
}

function openRaw(f: Framing, url: string, auth: Record<string, unknown> | undefined, options: { answerPings?: boolean } = {}): RawSocket {
  const ws = new WebSocket(url);
  const sent: string[] = [];
  const received: string[] = [];
  const client = new f.SocketIoClient({
    send: (text) => {
      sent.push(text);
      ws.send(text);
    },
    auth,
  });
  ws.on('message', (data, isBinary) => {
    const text = isBinary || !Buffer.isBuffer(data) ? '' : data.toString('utf8');
    received.push(text);
    // The control socket plays a client whose pongs never arrive.
    if (options.answerPings === false && text === '2') return;
    client.handle(text);
  });
  ws.on('error', () => undefined);
  const closed = new Promise<number>((resolve) =>
    ws.on('close', (code) => {
      client.transportClosed();
      resolve(code);
    }),
  );
  return { ws, client, sent, received, closed };
}

/** The first `event` on `client` (its first argument), or a rejection after `timeoutMs`. */
function next<T = unknown>(client: Client, event: string, match: (payload: T) => boolean = () => true, timeoutMs = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(new Error(`no ${event} within ${timeoutMs} ms`));
    }, timeoutMs);
    client.on(event, (payload: T) => {
      if (done || !match(payload)) return;
      done = true;
      clearTimeout(timer);
      resolve(payload);
    });
  });
}

/** Emits with an ack id; an ack that does not come is expired by the module itself. */
function ask(client: Client, event: string, payload: unknown, timeoutMs = 5_000): Promise<AckResult> {
  return new Promise((resolve) => {
    client.request(event, payload, resolve);
    setTimeout(() => client.expireAcks(timeoutMs), timeoutMs + 10).unref();
  });
}

type Ready = { user: { id: number }; replica: string };

describe('k6 Socket.IO framing against the cluster', { timeout: 180_000 }, () => {
  let f: Framing;
  // A fast heartbeat, so that pings can be watched within the test.
  const t = useCluster({ gateways: 2, env: { SOCKET_PING_INTERVAL_MS: '500', SOCKET_PING_TIMEOUT_MS: '1000' } });
  let url: string;
  let alice: Session;
  let bob: Session;
  let room: number;
  const open = (auth: Record<string, unknown> | undefined, options?: { answerPings?: boolean }, target = url) => {
    const socket = openRaw(f, target, auth, options);
    t.track({ close: () => socket.ws.terminate() });
    return socket;
  };

  before(async () => {
    f = await loadFraming();
    url = f.socketUrl(t.url);
    alice = await registerUser(t.url);
    bob = await registerUser(t.url);
    room = await createRoom(t.url, alice, { name: 'k6 framing' });
    assert.equal((await api(t.url, 'POST', `/rooms/${room}/join`, { token: bob.access_token })).status, 201);
  });

  it('opens, connects with auth in the CONNECT packet and gets ready', async () => {
    const socket = open({ token: alice.access_token });
    const ready = await next<Ready>(socket.client, 'ready');
    assert.equal(ready.user.id, alice.user.id);
    assert.match(ready.replica, /\S/);
    assert.deepEqual(socket.client.handshake && { ...socket.client.handshake, sid: 'sid' }, {
      sid: 'sid',
      upgrades: [],
      pingInterval: 500,
      pingTimeout: 1000,
      maxPayload: 1024 * 1024,
    });
    assert.ok(socket.client.handshake?.sid.startsWith(`${ready.replica}.`), 'the Engine.IO sid names the replica');
    assert.equal(socket.sent[0], `40{"token":"${alice.access_token}"}`);
    assert.match(socket.received[1], /^40\{"sid":"[^"]+"\}$/);
    assert.equal(socket.client.state, 'connected');
  });

  it('joins with an ack, sends with an ack id, gets a 43 ack and delivers to a client on the other replica', async () => {
    const sender = open({ token: alice.access_token });
    const senderReady = await next<Ready>(sender.client, 'ready');
    let receiver: RawSocket | undefined;
    for (let attempt = 0; attempt < 8 && !receiver; attempt++) {
      const candidate = open({ token: bob.access_token });
      if ((await next<Ready>(candidate.client, 'ready')).replica !== senderReady.replica) receiver = candidate;
      else candidate.ws.close();
    }
    assert.ok(receiver, 'a receiver on another replica than the sender');

    for (const socket of [sender, receiver]) {
      const joined = await ask(socket.client, 'join_room', room);
      assert.equal(joined.error, null);
      const [ack] = joined.args as [{ ok: boolean; data: { room: number; lastSeq: number } }];
      assert.equal(ack.ok, true, JSON.stringify(ack));
      assert.equal(ack.data.room, room);
      assert.ok(Number.isInteger(ack.data.lastSeq));
    }

    const clientMsgId = `k6.1.0.0.${Date.now()}`;
    const delivered = next<{ id: string; seq: number; clientMsgId?: string; content: string; sender: { id: number } }>(
      receiver.client,
      'message',
      (m) => m.clientMsgId === clientMsgId,
    );
    const echo = next<{ clientMsgId?: string }>(sender.client, 'message', (m) => m.clientMsgId === clientMsgId);
    const acked = await ask(sender.client, 'message', { room, msg: 'framed by hand', clientMsgId });
    assert.equal(acked.error, null);
    assert.ok(acked.latencyMs >= 0 && acked.latencyMs < 5_000);
    const [ack] = acked.args as [{ ok: boolean; data: { id: string; seq: number; createdAt: string } }];
    assert.deepEqual(Object.keys(ack).sort(), ['data', 'ok']);
    assert.equal(ack.ok, true);
    assert.match(ack.data.id, /^[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.ok(Number.isInteger(ack.data.seq) && ack.data.seq > 0);
    assert.equal(new Date(ack.data.createdAt).toISOString(), ack.data.createdAt);
    // On the wire: an EMIT carrying ack id N, answered by a `43N[...]` frame.
    const emitted = sender.sent.find((text) => text.includes(clientMsgId));
    assert.match(emitted ?? '', new RegExp(`^42${acked.id}\\["message",`));
    assert.ok(sender.received.some((text) => text.startsWith(`43${acked.id}[{"ok":true,`)));

    const message = await delivered;
    assert.equal(message.id, ack.data.id);
    assert.equal(message.seq, ack.data.seq);
    assert.equal(message.content, 'framed by hand');
    assert.equal(message.sender.id, alice.user.id);
    await echo;
  });

  it('carries error acks and the exception event', async () => {
    const socket = open({ token: bob.access_token });
    await next(socket.client, 'ready');
    const exception = next<{ event: string; code: string }>(socket.client, 'exception');
    const missing = await ask(socket.client, 'join_room', 4_000_000_000);
    const [ack] = missing.args as [{ ok: boolean; error: { code: string; message: string } }];
    assert.equal(ack.ok, false);
    assert.equal(ack.error.code, 'NOT_FOUND');
    const { event, code } = await exception;
    assert.deepEqual({ event, code }, { event: 'join_room', code: 'NOT_FOUND' });
    const unknown = await ask(socket.client, 'no_such_event', {});
    assert.equal((unknown.args?.[0] as { error: { code: string } }).error.code, 'VALIDATION_FAILED');
  });

  it("answers the server's pings and stays connected well past pingInterval + pingTimeout", async () => {
    const socket = open({ token: alice.access_token });
    await next(socket.client, 'ready');
    await sleep(3_500);
    assert.ok(socket.client.pingsAnswered >= 4, `answered ${socket.client.pingsAnswered} pings`);
    assert.ok(socket.received.filter((text) => text === '2').length >= 4);
    assert.equal(socket.sent.filter((text) => text === '3').length, socket.client.pingsAnswered);
    assert.equal(socket.ws.readyState, WebSocket.OPEN);
    assert.equal(socket.client.heartbeatOverdue(), false);
    const joined = await ask(socket.client, 'join_room', room);
    assert.equal((joined.args?.[0] as { ok: boolean }).ok, true);
  });

  it('is dropped by the server when it does not answer pings (the control for the test above)', async () => {
    const socket = open({ token: alice.access_token }, { answerPings: false });
    await next(socket.client, 'ready');
    const closedWithin = await Promise.race([socket.closed.then(() => true), sleep(5_000).then(() => false)]);
    assert.ok(closedWithin, 'the server closed a socket that never ponged');
    assert.equal(socket.client.state, 'disconnected');
  });

  it('gets CONNECT_ERROR 44 "unauthorized" for a bad or missing token', async () => {
    for (const auth of [{ token: 'not-a-jwt' }, undefined]) {
      const socket = open(auth);
      const error = await next<{ message: string; data: { code: string } }>(socket.client, 'connect_error');
      assert.deepEqual(error, { message: 'unauthorized', data: { code: 'UNAUTHORIZED' } });
      assert.match(socket.received.at(-1) ?? '', /^44\{"message":"unauthorized"/);
      assert.equal(socket.client.state, 'refused');
      socket.ws.close();
    }
  });

  it('also connects with ?token= in the URL (accepted, though CONNECT auth is preferred)', async () => {
    const socket = open(undefined, undefined, f.socketUrl(t.url, { token: bob.access_token }));
    const ready = await next<Ready>(socket.client, 'ready');
    assert.equal(ready.user.id, bob.user.id);
    assert.equal(socket.sent[0], '40');
  });
});
