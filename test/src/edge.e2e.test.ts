import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { useCluster } from './support/fixture';
import { freePort } from './support/ports';
import { eventually } from './support/wait';

/**
 * The public edge as a client meets it: what nginx lets through, what it answers itself, and
 * which headers it adds or strips. Every request goes to the real nginx; the first suite runs the
 * real cluster behind it, the second a stub replica that echoes what it receives, for the rules
 * a real replica would hide (the forwarded headers, the per-address connection cap).
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** Other loopback addresses to send from: Linux routes all of 127.0.0.0/8 to lo, other systems only 127.0.0.1. */
const linuxOnly = { skip: process.platform !== 'linux' && 'needs more loopback addresses than 127.0.0.1' };

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP request from a chosen local address (fetch cannot pick one). */
function send(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string; localAddress?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers, localAddress: o.localAddress, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`${url}: no answer in 10 s`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The API's error body, checked for its shape. */
function errorBody(answer: Answer): { statusCode: number; error: string; message: string; code: string } {
  assert.match(String(answer.headers['content-type']), /^application\/json/, answer.body);
  const body = JSON.parse(answer.body) as { statusCode: number; error: string; message: string; code: string };
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'message', 'statusCode'], answer.body);
  assert.equal(body.statusCode, answer.status);
  return body;
}

describe('the edge, in front of the real cluster', { timeout: 180_000 }, () => {
  const t = useCluster({ gateways: 2 });

  it('answers 404 with JSON for metrics under every spelling', async () => {
    for (const path of ['/metrics', '/metrics/', '/METRICS', '/Metrics', '/metrics?format=text', '/%6detrics']) {
      const answer = await send(`${t.url}${path}`);
      assert.equal(answer.status, 404, path);
      assert.equal(errorBody(answer).code, 'NOT_FOUND', path);
      assert.doesNotMatch(answer.body, /nodejs_|chat_db_queries_total/, path);
    }
  });

  it("serves each replica's metrics on its own metrics port, and none on its public port", async () => {
    assert.equal(t.metricsUrls.length, 2);
    for (const url of t.metricsUrls) {
      // Started with the app, so briefly after the replica reports ready.
      const answer = await eventually(`${url} to answer`, async () => {
        const a = await send(url).catch(() => undefined);
        return a?.status === 200 ? a : undefined;
      });
      assert.match(String(answer.headers['content-type']), /^text\/plain/);
      assert.match(answer.body, /^chat_db_queries_total \d+/m);
    }
    for (const replica of t.cluster.replicas) {
      for (const path of ['/metrics', '/METRICS', '/metrics/']) {
        assert.equal((await send(`http://127.0.0.1:${replica.port}${path}`)).status, 404, `${replica.name} ${path}`);
      }
    }
  });

  it('answers a body over 1 MiB with 413 in the JSON shape', async () => {
    const answer = await send(`${t.url}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@example.test', password: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(answer.status, 413);
    assert.equal(errorBody(answer).code, 'PAYLOAD_TOO_LARGE');
  });

  it('sends the web client with its Content-Security-Policy and frame protection', async () => {
    const answer = await send(`${t.url}/`);
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-security-policy'], CSP);
    assert.match(String(answer.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(answer.headers['x-frame-options'], 'DENY');
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
    assert.equal(answer.headers['referrer-policy'], 'no-referrer');
  });

  it('names no framework and sends nosniff on API answers, errors and Socket.IO included', async () => {
    const answers = {
      'GET /health/live': await send(`${t.url}/health/live`),
      'GET /auth/me (401)': await send(`${t.url}/auth/me`),
      'POST /auth/login (400)': await send(`${t.url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{',
      }),
      'Socket.IO handshake': await send(`${t.url}/socket.io/?EIO=4&transport=polling`),
    };
    for (const [what, answer] of Object.entries(answers)) {
      assert.equal(answer.headers['x-powered-by'], undefined, what);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', what);
      assert.equal(answer.headers['referrer-policy'], 'no-referrer', what);
    }
    assert.equal(answers['GET /auth/me (401)'].status, 401, "the replica's own error passes through");
    assert.equal(errorBody(answers['GET /auth/me (401)']).code, 'UNAUTHORIZED');
  });

  it("sees each client's own address through nginx, whatever X-Forwarded-For it sends", linuxOnly, async () => {
    const guest = (base: string, localAddress: string) =>
      send(`${base}/auth/guest`, {
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '8.8.4.4', 'x-real-ip': '8.8.4.4' },
        body: '{}',
      });
    const through = await guest(t.url, '127.5.6.7');
    assert.equal(through.status, 201, through.body);
    assert.equal((JSON.parse(through.body) as { user: { maskedIp: string } }).user.maskedIp, '127.5.xxx.xxx');

    // Straight to a replica from 127.0.0.1, which is not nginx's address: the header is not believed.
    const direct = await guest(`http://127.0.0.1:${t.cluster.replicas[0].port}`, '127.0.0.1');
    assert.equal(direct.status, 201, direct.body);
    assert.equal((JSON.parse(direct.body) as { user: { maskedIp: string } }).user.maskedIp, '127.0.xxx.xxx');
  });
});

describe('the edge, in front of a stub replica', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'chat-edge-'));
  let stub: Server;
  let nginx: ChildProcess;
  let origin: string;
  /** Requests to /hold wait here until released. */
  const held: (() => void)[] = [];

  before(async () => {
    const { renderNginxConf } = await import('../../nginx/render.mjs');
    const { nginxSourceAddress, prepareNginxRunDir } = await import('../../deploy/local/cluster.mjs');
    const { findBinary } = await import('../../deploy/local/services.mjs');
    stub = createServer((req, res) => {
      if (req.url?.startsWith('/hold')) return void held.push(() => res.end('released'));
      res.setHeader('X-Powered-By', 'Express');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url, headers: req.headers, peer: req.socket.remoteAddress }));
    });
    const stubPort = await freePort();
    await new Promise<void>((done) => stub.listen(stubPort, '127.0.0.1', done));
    const port = await freePort();
    prepareNginxRunDir(dir);
    const conf = renderNginxConf({
      listen: port,
      runDir: dir,
      // gateway-2 is a port nobody listens on: a session routed there finds no replica.
      replicas: [
        { id: 'gateway-1', address: `127.0.0.1:${stubPort}` },
        { id: 'gateway-2', address: `127.0.0.1:${await freePort()}` },
      ],
      proxyBind: nginxSourceAddress(),
      connLimitPerAddress: 2,
      connLimitExempt: ['127.0.0.1'],
    });
    writeFileSync(join(dir, 'nginx.conf'), conf);
    nginx = spawn(findBinary('nginx') ?? 'nginx', ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'ignore' });
    origin = `http://127.0.0.1:${port}`;
    await eventually('nginx to listen', async () => (await send(`${origin}/rooms`).catch(() => undefined))?.status === 200);
  });

  after(async () => {
    for (const release of held.splice(0)) release();
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((done) => nginx.once('exit', done));
      nginx.kill('SIGTERM');
      await exited;
    }
    await new Promise((done) => stub?.close(done));
    rmSync(dir, { recursive: true, force: true });
  });

  const echoed = async (path: string, o: Parameters<typeof send>[1] = {}) => {
    const answer = await send(`${origin}${path}`, o);
    assert.equal(answer.status, 200, answer.body);
    return { answer, seen: JSON.parse(answer.body) as { url: string; headers: IncomingHttpHeaders; peer: string } };
  };

  it(
    'replaces X-Forwarded-For with the peer address on REST and Socket.IO, and forwards Host, X-Real-IP and the scheme',
    linuxOnly,
    async () => {
      const { nginxSourceAddress } = await import('../../deploy/local/cluster.mjs');
      for (const path of ['/rooms?x=1', '/socket.io/?EIO=4&transport=polling']) {
        const { seen } = await echoed(path, {
          localAddress: '127.0.0.3',
          headers: { 'X-Forwarded-For': '8.8.4.4', 'X-Real-IP': '8.8.4.4' },
        });
        assert.equal(seen.headers['x-forwarded-for'], '127.0.0.3', path);
        assert.equal(seen.headers['x-real-ip'], '127.0.0.3', path);
        assert.equal(seen.headers['x-forwarded-proto'], 'http', path);
        assert.equal(seen.headers.host, '127.0.0.1', path);
        assert.equal(seen.peer, nginxSourceAddress(), `${path}: nginx connects from the address the replicas trust`);
      }
    },
  );

  it('strips X-Powered-By from the replica and adds nosniff', async () => {
    const { answer } = await echoed('/rooms');
    assert.equal(answer.headers['x-powered-by'], undefined);
    assert.equal(answer.headers['x-content-type-options'], 'nosniff');
  });

  it('caps open connections per address with a JSON 429, and exempts 127.0.0.1', linuxOnly, async () => {
    const pending = [send(`${origin}/hold`, { localAddress: '127.0.0.4' }), send(`${origin}/hold`, { localAddress: '127.0.0.4' })];
    await eventually('two held requests', () => Promise.resolve(held.length === 2));
    const third = await send(`${origin}/rooms`, { localAddress: '127.0.0.4' });
    assert.equal(third.status, 429);
    assert.equal(errorBody(third).code, 'RATE_LIMITED');
    assert.equal((await send(`${origin}/rooms`, { localAddress: '127.0.0.5' })).status, 200, 'another address has its own count');

    const exempt = [0, 1, 2].map(() => send(`${origin}/hold`));
    await eventually('the exempt address past the cap', () => Promise.resolve(held.length === 5));
    for (const release of held.splice(0)) release();
    for (const answer of await Promise.all([...pending, ...exempt])) assert.equal(answer.status, 200);
  });

  it("answers nginx's own errors in the API's JSON shape", async () => {
    const cases: { what: string; answer: Answer; status: number; code: string }[] = [
      {
        what: 'a 20 KB URI',
        answer: await send(`${origin}/${'a'.repeat(20_000)}`),
        status: 414,
        code: 'VALIDATION_FAILED',
      },
      {
        what: 'a 40 KB header',
        answer: await send(`${origin}/rooms`, { headers: { 'X-Big': 'a'.repeat(40_000) } }),
        status: 431,
        code: 'VALIDATION_FAILED',
      },
      {
        what: 'a 2 MB body',
        answer: await send(`${origin}/rooms`, { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024) }),
        status: 413,
        code: 'PAYLOAD_TOO_LARGE',
      },
      {
        what: 'a session on a replica that is down',
        answer: await send(`${origin}/socket.io/?EIO=4&transport=polling&sid=gateway-2.abc`),
        status: 502,
        code: 'UNAVAILABLE',
      },
      { what: 'metrics', answer: await send(`${origin}/Metrics/`), status: 404, code: 'NOT_FOUND' },
      { what: 'an error page asked for by name', answer: await send(`${origin}/_nginx/error/500`), status: 404, code: 'NOT_FOUND' },
    ];
    for (const { what, answer, status, code } of cases) {
      assert.equal(answer.status, status, what);
      assert.equal(errorBody(answer).code, code, what);
      assert.equal(answer.headers['x-content-type-options'], 'nosniff', what);
    }
  });
});
