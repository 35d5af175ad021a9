import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { before, describe, it } from 'node:test';
import type { PublicUser, Session } from '@chat/contracts';
import { request } from './support/clients';
import { useCluster } from './support/fixture';
import { http, type HttpResponse, PRODUCTION_LIMITS, registerFromFreshAddress } from './support/source-address';

/**
 * The security review's findings on the public edge and input handling (H1's listen addresses,
 * M1, L1, L4, L5, L6, L10), through nginx and, where the finding is about the replicas, on a
 * replica's own port.
 */
describe('security: the edge and input handling', { timeout: 180_000 }, () => {
  const t = useCluster({ gateways: 2, env: PRODUCTION_LIMITS });
  let user: Session;

  before(async () => {
    user = await registerFromFreshAddress(t.url);
  });

  const replicaUrl = () => `http://127.0.0.1:${t.cluster.replicas[0].port}`;
  const call = <T = { code: string; message: string }>(method: string, path: string, options: { body?: unknown; rawBody?: string } = {}) =>
    http<T>(t.url, method, path, { token: user.access_token, ...options });
  const refused = (response: HttpResponse<unknown>, status: number, code: string, what: string) => {
    assert.equal(response.status, status, `${what}: ${response.status} ${response.text.slice(0, 300)}`);
    assert.equal((response.body as { code?: string } | undefined)?.code, code, `${what}: ${response.text.slice(0, 300)}`);
  };
  async function roomId(): Promise<number> {
    const created = await call<{ id: number }>('POST', '/rooms', { body: { name: 'edge' } });
    assert.equal(created.status, 201, created.text);
    return created.body.id;
  }

  it('H1: nginx, every replica, its metrics port and the worker listen on 127.0.0.1 only', async () => {
    const ports = {
      nginx: Number(new URL(t.url).port),
      ...Object.fromEntries(t.cluster.replicas.map((r) => [r.name, r.port])),
      ...Object.fromEntries(t.cluster.replicas.map((r) => [`${r.name} metrics`, Number(new URL(r.metricsUrl).port)])),
      worker: Number(new URL(t.cluster.workerHealthUrl).port),
    };
    for (const [what, port] of Object.entries(ports)) {
      assert.equal(await reachable('127.0.0.1', port), true, `${what} (port ${port}) on 127.0.0.1`);
      // Another address of this machine: a listener on every interface would accept it.
      assert.equal(await reachable('127.0.0.2', port), false, `${what} (port ${port}) accepts connections on 127.0.0.2`);
    }
  });

  it('M1: no spelling of /metrics is served on the public origin or a replica’s public port; the metrics port serves it', async () => {
    for (const path of ['/metrics', '/metrics/', '/METRICS', '/Metrics', '/metrics?x=1']) {
      for (const [where, base] of [
        ['nginx', t.url],
        ['a replica', replicaUrl()],
      ] as const) {
        const response = await http<{ statusCode: number; code: string; message: string }>(base, 'GET', path);
        assert.equal(response.status, 404, `${where} ${path}: ${response.status} ${response.text.slice(0, 200)}`);
        assert.doesNotMatch(response.text, /# HELP|nodejs_|chat_db_queries_total/, `${where} ${path} leaks metrics`);
        assert.match(String(response.headers['content-type']), /application\/json/, `${where} ${path}`);
        assert.equal(response.body.statusCode, 404, `${where} ${path}: ${response.text.slice(0, 200)}`);
        assert.equal(response.body.code, 'NOT_FOUND');
        assert.equal(typeof response.body.message, 'string');
      }
    }
    for (const replica of t.cluster.replicas) {
      const metrics = await http(replica.metricsUrl, 'GET', '');
      assert.equal(metrics.status, 200, `${replica.metricsUrl}: ${metrics.status}`);
      assert.match(String(metrics.headers['content-type']), /^text\/plain/);
      assert.match(metrics.text, /^chat_db_queries_total /m);
    }
  });

  it('L1: a foreign Origin gets no CORS grant on REST, on the preflight, or on Socket.IO polling', async () => {
    const origin = { origin: 'http://evil.example' };
    const responses = {
      'GET /health/live': await http(t.url, 'GET', '/health/live', { headers: origin }),
      'GET /rooms/mine': await http(t.url, 'GET', '/rooms/mine', { token: user.access_token, headers: origin }),
      'OPTIONS /rooms (preflight)': await http(t.url, 'OPTIONS', '/rooms', {
        headers: { ...origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
      }),
      'GET /socket.io/ (polling)': await http(t.url, 'GET', '/socket.io/?EIO=4&transport=polling', { headers: origin }),
    };
    for (const [what, response] of Object.entries(responses)) {
      assert.equal(response.headers['access-control-allow-origin'], undefined, `${what}: Access-Control-Allow-Origin`);
      assert.equal(response.headers['access-control-allow-credentials'], undefined, `${what}: Access-Control-Allow-Credentials`);
    }
  });

  it('L4: deeply nested JSON is refused with VALIDATION_FAILED over REST and sockets, never a 500', async () => {
    const bodies = {
      '5,000-deep array': `{"name":${'['.repeat(5_000)}${']'.repeat(5_000)}}`, // 10 KB
      '6,000-deep object': `{"name":${'{"a":'.repeat(6_000)}1${'}'.repeat(6_000)}}`, // 36 KB
    };
    for (const [what, rawBody] of Object.entries(bodies)) {
      for (const [where, base] of [
        ['a replica', replicaUrl()],
        ['nginx', t.url],
      ] as const) {
        const response = await http(base, 'POST', '/rooms', { token: user.access_token, rawBody });
        refused(response, 400, 'VALIDATION_FAILED', `${what} through ${where}`);
      }
    }

    const room = await roomId();
    const { socket } = await t.connect(user.access_token);
    let msg: unknown = 'deep';
    for (let i = 0; i < 3_000; i++) msg = [msg];
    const ack = await request(socket, 'message', { room, msg } as never, 10_000);
    assert.equal(!ack.ok && ack.error.code, 'VALIDATION_FAILED', JSON.stringify(ack).slice(0, 300));
    assert.equal(socket.connected, true);
    assert.equal((await request(socket, 'join_room', room)).ok, true, 'the socket still works');
  });

  describe('L5: text is well-formed Unicode, and nicknames are visible and normalised', () => {
    // JSON's \ud800 escape: the server parses a lone surrogate (JSON.stringify would write the same).
    const lone = 'x\\ud800y';

    it('L5: a lone surrogate in a nickname, a room name or message content is refused', async () => {
      const room = await roomId();
      const cases = {
        'nickname (rename)': await call('PATCH', `/users/${user.user.id}`, { rawBody: `{"nickname":"${lone}"}` }),
        'nickname (guest)': await http<{ code: string }>(t.url, 'POST', '/auth/guest', { rawBody: `{"nickname":"${lone}"}` }),
        'room name': await call('POST', '/rooms', { rawBody: `{"name":"${lone}"}` }),
        'room rename': await call('PATCH', `/rooms/${room}`, { rawBody: `{"name":"${lone}"}` }),
        'message content': await call('POST', `/rooms/${room}/messages`, { rawBody: `{"content":"${lone}"}` }),
      };
      for (const [what, response] of Object.entries(cases)) refused(response, 400, 'VALIDATION_FAILED', what);
    });

    it('L5: a nickname of zero-width spaces only, or with a bidi override, is refused', async () => {
      for (const nickname of ['\u200B\u200B\u200B', 'abc\u202Egpj.exe', '\u3164']) {
        const response = await call('PATCH', `/users/${user.user.id}`, { body: { nickname } });
        refused(response, 400, 'VALIDATION_FAILED', JSON.stringify(nickname));
      }
    });

    it('L5: Korean, a ZWJ emoji sequence and combining marks are accepted; a nickname given in NFD is stored in NFC', async () => {
      for (const [given, stored] of [
        ['김철수', '김철수'],
        ['👩‍👩‍👧', '👩‍👩‍👧'],
        ['Jose\u0301', 'Jos\u00e9'],
        ['\u1112\u1161\u11ab\u1100\u1173\u11af', '한글'],
      ]) {
        const response = await call<PublicUser>('PATCH', `/users/${user.user.id}`, { body: { nickname: given } });
        assert.equal(response.status, 200, `${JSON.stringify(given)}: ${response.text}`);
        assert.equal(response.body.nickname, stored, JSON.stringify(given));
        const me = await call<PublicUser>('GET', '/auth/me');
        assert.equal(me.body.nickname, stored);
      }
    });
  });

  it('L6: the web client is served with CSP frame-ancestors, nosniff and a Referrer-Policy; nothing says X-Powered-By', async () => {
    const page = await http(t.url, 'GET', '/');
    assert.equal(page.status, 200, 'the web client is built (npm run build)');
    assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.ok(page.headers['referrer-policy'], 'Referrer-Policy is set');

    const responses = {
      'nginx GET /health/live': await http(t.url, 'GET', '/health/live'),
      'nginx GET /rooms/mine': await http(t.url, 'GET', '/rooms/mine', { token: user.access_token }),
      'nginx 404': await http(t.url, 'GET', '/no-such-route'),
      'replica GET /health/live': await http(replicaUrl(), 'GET', '/health/live'),
      'replica GET /rooms/mine': await http(replicaUrl(), 'GET', '/rooms/mine', { token: user.access_token }),
    };
    for (const [what, response] of Object.entries(responses)) {
      assert.equal(response.headers['x-powered-by'], undefined, `${what}: X-Powered-By ${String(response.headers['x-powered-by'])}`);
    }
  });

  it('L10: a client trickling one header line every 5 s is cut off within ~15 s by nginx and by a replica', async () => {
    const [viaNginx, direct] = await Promise.all([slowHeaders(Number(new URL(t.url).port)), slowHeaders(t.cluster.replicas[0].port)]);
    process.stdout.write(`# L10: slow-header connection closed after ${viaNginx} s by nginx, ${direct} s by a replica\n`);
    assert.ok(viaNginx !== undefined && viaNginx <= 20, `nginx held a slow-header connection ${viaNginx ?? 'over 25'} s`);
    assert.ok(direct !== undefined && direct <= 20, `a replica held a slow-header connection ${direct ?? 'over 25'} s`);
  });
});

/** Whether a TCP connection to host:port is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host, port, timeout: 2_000 });
    const done = (value: boolean) => {
      socket.destroy();
      resolve(value);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/**
 * Opens a connection to 127.0.0.1:port, sends a request line and then one header line every 5 s,
 * and resolves with the seconds until the server closed it, or undefined if it was still open
 * after 25 s.
 */
function slowHeaders(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = tcpConnect({ host: '127.0.0.1', port });
    let lines = 0;
    const finish = (value: number | undefined) => {
      clearInterval(trickle);
      clearTimeout(limit);
      socket.destroy();
      resolve(value);
    };
    socket.on('connect', () => socket.write(`GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n`));
    const trickle = setInterval(() => socket.write(`X-Slow-${lines++}: 1\r\n`), 5_000);
    const limit = setTimeout(() => finish(undefined), 25_000);
    socket.on('error', () => undefined); // a write after the server hung up: the close decides
    socket.on('data', () => undefined); // a 408 answer, if any
    socket.on('close', () => finish(Math.round((performance.now() - started) / 100) / 10));
  });
}
