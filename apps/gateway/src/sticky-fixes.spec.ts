import assert from 'node:assert/strict';
import { type SendHandle, type Serializable, spawn } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { after, afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { setupMaster } from '@socket.io/sticky';
import {
  acceptAfterSessionBinding,
  assertNodeInternals,
  assertStickyInternals,
  SESSION_CLOSED,
  SESSION_OPENED,
  SessionBindings,
  sessionIdIn,
  stopReading,
  stopReadingOnHandOff,
} from './sticky-fixes';

/**
 * @socket.io/sticky's primary runs here for real, on loopback connections; its workers are stand-ins
 * registered in `cluster.workers` (what it hands a connection to), so no cluster is started.
 */
interface HandOff {
  message: { type: string; data: Buffer };
  socket: Socket;
  reading: boolean;
}
type StandIn = Worker & { handOffs: HandOff[] };

let nextWorkerId = 9_000;
// Every primary set up here (sticky's and the fix's) keeps its cluster listeners for the file's life.
cluster.setMaxListeners(50);
const workers = cluster.workers as Record<number, Worker>;
const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A worker that keeps what sticky hands it; `reading` is whether the primary's socket was still reading then. */
function standIn(): StandIn {
  const worker = {
    id: ++nextWorkerId,
    handOffs: [] as HandOff[],
    send(message: HandOff['message'], socket?: Socket) {
      if (socket) worker.handOffs.push({ message, socket, reading: readingOf(socket) });
      return true;
    },
  } as unknown as StandIn;
  workers[worker.id] = worker;
  closers.push(() => {
    delete workers[worker.id];
    for (const { socket } of worker.handOffs) socket.destroy();
  });
  return worker;
}

const readingOf = (socket: Socket) => (socket as unknown as { _handle?: { reading?: boolean } | null })._handle?.reading === true;

/** A primary as cluster.ts sets it up, minus the fixes it is not given. */
function primary(front?: (http: HttpServer) => Server): Promise<number> {
  const http = createHttpServer();
  setupMaster(http, { loadBalancingMethod: 'least-connection' });
  const listening = front ? front(http) : http;
  closers.push(() => listening.close());
  return new Promise((resolve) => listening.listen(0, '127.0.0.1', () => resolve((listening.address() as AddressInfo).port)));
}

function client(port: number): Promise<Socket> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    closers.push(() => socket.destroy());
  });
}

const SID = 'AbCdEfGhIjKlMnOp-_19';
const pollingRequest = (sid: string) => `GET /socket.io/?EIO=4&transport=polling&sid=${sid} HTTP/1.1\r\nHost: localhost\r\n\r\n`;
const announce = (worker: Worker, type: string, sid: string) => cluster.emit('message', worker, { type, data: sid });

async function eventually(what: string, check: () => boolean, timeoutMs = 2_000): Promise<void> {
  for (const until = Date.now() + timeoutMs; !check(); await sleep(5)) if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
}

describe('the @socket.io/sticky and Node internals the fixes rely on', () => {
  const source = readFileSync(require.resolve('@socket.io/sticky'), 'utf8');

  it('are in the installed versions (what the primary checks at startup)', () => {
    assert.doesNotThrow(() => assertStickyInternals());
    assert.doesNotThrow(() => assertNodeInternals());
  });

  for (const [change, from, to, named] of [
    [
      'renames the session message',
      '{ type: "sticky:connection", data: socket.id }',
      '{ type: "sticky:session", data: socket.id }',
      /announces each session/,
    ],
    [
      'renames the end-of-session message',
      '{ type: "sticky:disconnection", data: socket.id }',
      '{ type: "sticky:end", data: socket.id }',
      /end of each/,
    ],
    ['reads the session differently', '/sid=([\\w\\-]{20})/', '/sid=([\\w\\-]+)/', /reads the session/],
    ['stops handing the socket over', 'socket,\n          sendCallback', 'sendCallback', /hands a connection over/],
  ] as const) {
    it(`fail loudly when sticky ${change}`, () => {
      assert.ok(source.includes(from), `the fixture no longer matches the installed source: ${from}`);
      assert.throws(
        () => assertStickyInternals(source.replace(from, to), '9.9.9'),
        (error: Error) => {
          assert.match(error.message, /@socket\.io\/sticky 9\.9\.9/);
          assert.match(error.message, named);
          return true;
        },
      );
    });
  }

  it('fail loudly when Node stops a socket’s handle some other way', () => {
    assert.throws(
      () =>
        assertNodeInternals(
          () => undefined,
          () => undefined,
        ),
      /net\.Socket/,
    );
  });
});

describe('race 1: a request naming a session before its worker has announced it', () => {
  it('the installed sticky balances it to any worker (when this fails, sticky waits by itself: drop acceptAfterSessionBinding)', async () => {
    const [first, owner] = [standIn(), standIn()];
    const socket = await client(await primary());
    socket.write(pollingRequest(SID));
    await eventually('the hand-off', () => first.handOffs.length + owner.handOffs.length > 0);
    announce(owner, SESSION_OPENED, SID);
    assert.equal(first.handOffs.length, 1, 'routed to the least busy worker, not the session’s');
    assert.equal(owner.handOffs.length, 0);
  });

  it('waits for the session’s worker to announce it, then sticky routes it there', async () => {
    const [first, owner] = [standIn(), standIn()];
    const socket = await client(await primary((http) => acceptAfterSessionBinding(http, 5_000)));
    socket.write(pollingRequest(SID));
    await sleep(100);
    assert.deepEqual([first.handOffs.length, owner.handOffs.length], [0, 0], 'held until the session is known');
    announce(owner, SESSION_OPENED, SID);
    await eventually('the hand-off', () => owner.handOffs.length > 0);
    assert.equal(first.handOffs.length, 0);
    assert.equal(owner.handOffs[0]?.message.type, SESSION_OPENED);
    assert.equal(owner.handOffs[0]?.message.data.toString(), pollingRequest(SID), 'the whole request travels with the socket');
  });

  it('reads nothing more of a request while it waits, so nothing is left behind at the hand-off', async () => {
    const owner = stopReadingOnHandOff(standIn()) as StandIn;
    const socket = await client(await primary((http) => acceptAfterSessionBinding(http, 5_000)));
    const request = pollingRequest(SID);
    const [head, rest] = [request.slice(0, request.indexOf('\r\n') + 2), request.slice(request.indexOf('\r\n') + 2)];
    socket.write(head);
    await sleep(50);
    socket.write(rest);
    await sleep(50);
    assert.equal(owner.handOffs.length, 0, 'still waiting');
    announce(owner, SESSION_OPENED, SID);
    await eventually('the hand-off', () => owner.handOffs.length > 0);
    await sleep(50);
    const [handOff] = owner.handOffs;
    assert.equal(handOff?.message.data.toString(), head);
    assert.equal(handOff.socket.readableLength, 0, 'the rest is still in the kernel');
    assert.equal(readingOf(handOff.socket), false);
  });

  it('lets a request for a known session, or for none, through at once', async () => {
    const [first, owner] = [standIn(), standIn()];
    const port = await primary((http) => acceptAfterSessionBinding(http, 5_000));
    const sid = 'ZyXwVuTsRqPoNmLkJi98';
    announce(owner, SESSION_OPENED, sid);
    (await client(port)).write(pollingRequest(sid));
    (await client(port)).write('GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await eventually('both hand-offs', () => first.handOffs.length + owner.handOffs.length === 2, 1_000);
    assert.equal(owner.handOffs.length, 2 - first.handOffs.length);
    assert.ok(owner.handOffs.some(({ message }) => message.data.toString() === pollingRequest(sid)));
  });

  it('survives a client that resets the connection before sending anything', async () => {
    const socket = await client(await primary((http) => acceptAfterSessionBinding(http)));
    socket.resetAndDestroy();
    await sleep(100); // an unhandled ECONNRESET on the primary's side would fail this file
  });

  it('reads the session id from a request as sticky does, and only its 20-character ids', () => {
    assert.equal(sessionIdIn(Buffer.from(pollingRequest(SID))), SID);
    assert.equal(sessionIdIn(Buffer.from(`GET /socket.io/?sid=${SID}&EIO=4 HTTP/1.1\r\n\r\n`)), SID);
    assert.equal(sessionIdIn(Buffer.from('GET /socket.io/?EIO=4&transport=polling HTTP/1.1\r\n\r\n')), undefined);
    // SID_ROUTING's form, `<replicaId>.<random>`: sticky cannot route it either.
    assert.equal(sessionIdIn(Buffer.from(pollingRequest(`gw-1.${SID}`))), undefined);
  });

  it('reports a session id sticky cannot route, as a worker with SID_ROUTING on would open', () => {
    const unroutable: string[] = [];
    const sessions = new SessionBindings((sid) => unroutable.push(sid));
    sessions.track(1, { type: SESSION_OPENED, data: SID });
    sessions.track(1, { type: SESSION_OPENED, data: `gw-1.${SID}` });
    assert.deepEqual(unroutable, [`gw-1.${SID}`]);
  });

  it('gives up waiting for a session nobody announces, and forgets the wait', async () => {
    const sessions = new SessionBindings();
    const started = Date.now();
    await sessions.whenBound(SID, 50);
    assert.ok(Date.now() - started >= 45);
    assert.equal(sessions.waitingFor, 0);
  });

  it('forgets a session when it closes or its worker exits', () => {
    const sessions = new SessionBindings();
    sessions.track(1, { type: SESSION_OPENED, data: SID });
    sessions.track(1, { type: SESSION_OPENED, data: 'ZyXwVuTsRqPoNmLkJi98' });
    sessions.track(2, { type: SESSION_OPENED, data: 'a1b2c3d4e5f6g7h8i9j0' });
    sessions.track(1, { type: SESSION_CLOSED, data: SID });
    assert.equal(sessions.has(SID), false);
    sessions.forgetWorker(1);
    assert.equal(sessions.has('ZyXwVuTsRqPoNmLkJi98'), false);
    assert.equal(sessions.has('a1b2c3d4e5f6g7h8i9j0'), true);
  });
});

describe('race 2: bytes that arrive while the primary hands a connection to a worker', () => {
  /** Both ends of a loopback connection: `server` is the primary's side, flowing as sticky leaves it. */
  async function connection(): Promise<{ server: Socket; peer: Socket }> {
    const listener = createServer();
    closers.push(() => listener.close());
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const accepted = new Promise<Socket>((resolve) => listener.once('connection', resolve));
    const peer = await client((listener.address() as AddressInfo).port);
    const server = await accepted;
    closers.push(() => server.destroy());
    server.on('data', () => undefined);
    return { server, peer };
  }

  it('pause() alone leaves Node reading from the kernel (when this fails, pause() is enough: stopReading can be just that)', async () => {
    const { server, peer } = await connection();
    server.pause();
    peer.write('sent during the hand-off');
    await eventually('the bytes read into the paused stream', () => server.readableLength > 0);
  });

  it('stopReading leaves them in the kernel', async () => {
    const { server, peer } = await connection();
    stopReading(server);
    peer.write('sent during the hand-off');
    await sleep(100);
    assert.equal(server.readableLength, 0);
    assert.equal(readingOf(server), false);
  });

  it('the installed sticky hands over a socket that is still reading (when this fails, it stops it itself: drop stopReadingOnHandOff)', async () => {
    const worker = standIn();
    (await client(await primary())).write('GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\n');
    await eventually('the hand-off', () => worker.handOffs.length > 0);
    assert.equal(worker.handOffs[0]?.reading, true);
  });

  it('with the fix, sticky hands over a socket that no longer reads', async () => {
    const worker = stopReadingOnHandOff(standIn()) as StandIn;
    const socket = await client(await primary((http) => acceptAfterSessionBinding(http)));
    socket.write('GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: localhost\r\n');
    await eventually('the hand-off', () => worker.handOffs.length > 0);
    assert.equal(worker.handOffs[0]?.reading, false);
    socket.write('Upgrade: websocket\r\n\r\n');
    await sleep(100);
    // The stand-in keeps the socket, as Node does while an earlier hand-off to the worker awaits its acknowledgement.
    assert.equal(worker.handOffs[0]?.socket.readableLength, 0, 'the rest of the request is still in the kernel');
    assert.equal(readingOf(worker.handOffs[0].socket), false);
    assert.equal(worker.handOffs.length, 1);
  });

  it('hands a request split over two segments to a real worker process whole', async () => {
    const attempts = 50;
    const child = spawn(process.execPath, ['-e', WORKER], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    closers.push(() => child.kill());
    const worker = stopReadingOnHandOff({
      id: ++nextWorkerId,
      // A busy primary: the worker's acknowledgement and the request's second segment queue up behind it.
      send: (message: Serializable, handle: SendHandle, callback: (error: Error | null) => void) => {
        const sent = child.send(message, handle, callback);
        for (const until = Date.now() + 3; Date.now() < until;);
        return sent;
      },
    } as unknown as Worker);
    workers[worker.id] = worker;
    closers.push(() => delete workers[worker.id]);
    const port = await primary((http) => acceptAfterSessionBinding(http));
    const outcomes: string[] = [];
    child.on('message', (outcome: string) => outcomes.push(outcome));
    for (let i = 0; i < attempts; i++) {
      const socket = await client(port);
      socket.write(`GET /socket.io/?EIO=4&transport=websocket&n=${i} HTTP/1.1\r\nHost: localhost\r\n`);
      await sleep(1);
      socket.write('Upgrade: websocket\r\n\r\n');
      await eventually(`attempt ${i}`, () => outcomes.length > i, 5_000);
      socket.destroy();
    }
    assert.deepEqual(
      outcomes.filter((outcome) => outcome !== 'whole'),
      [],
    );
  });
});

/** The worker side of a hand-off, as sticky's setupWorker receives it: the first chunk, then the socket. */
const WORKER = `
process.on('message', (message, socket) => {
  if (!socket) return process.send('no socket');
  let request = Buffer.from(message.data).toString();
  const done = (outcome) => { clearTimeout(timer); socket.destroy(); process.send(outcome); };
  const timer = setTimeout(() => done('truncated: ' + JSON.stringify(request)), 1000);
  const check = () => request.endsWith('\\r\\n\\r\\n') && done('whole');
  socket.on('data', (chunk) => { request += chunk; check(); });
  check();
});
`;

after(() => {
  for (const close of closers.splice(0)) close();
});
