import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ErrorCode } from '@chat/contracts';
import { addedHeaders, type Directive, findAll, locationName, own, parseNginxConf, proxyHeaders } from './support/nginx-conf';

/**
 * The nginx configurations as rendered, read as a tree: the local launcher's (deploy/local/cluster.mjs)
 * and docker-compose's (nginx/compose.conf). nginx inherits proxy_set_header, proxy_hide_header
 * and add_header only into a location that sets none of its own, so each location is checked
 * for its complete list, not the server block.
 */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; " +
  "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** nginx's own errors and the contract code each must carry. */
const EDGE_ERRORS: Record<number, { status: number; code: ErrorCode }> = {
  400: { status: 400, code: 'VALIDATION_FAILED' },
  403: { status: 403, code: 'FORBIDDEN' },
  404: { status: 404, code: 'NOT_FOUND' },
  405: { status: 405, code: 'VALIDATION_FAILED' },
  408: { status: 408, code: 'VALIDATION_FAILED' },
  413: { status: 413, code: 'PAYLOAD_TOO_LARGE' },
  414: { status: 414, code: 'VALIDATION_FAILED' },
  429: { status: 429, code: 'RATE_LIMITED' },
  494: { status: 431, code: 'VALIDATION_FAILED' },
  500: { status: 500, code: 'INTERNAL' },
  502: { status: 502, code: 'UNAVAILABLE' },
  503: { status: 503, code: 'UNAVAILABLE' },
  504: { status: 504, code: 'UNAVAILABLE' },
};

async function configurations(): Promise<{ name: string; conf: Directive[] }[]> {
  const { localNginxConf } = await import('../../deploy/local/cluster.mjs');
  const { renderComposeConf } = await import('../../nginx/render.mjs');
  const replicas = [1, 2, 3].map((i) => ({ name: `gateway-${i}`, port: 3000 + i }));
  const local = localNginxConf({ httpPort: 18080, runDir: '/tmp/chat-nginx', webRoot: '/srv/web', replicas });
  return [
    { name: 'local', conf: parseNginxConf(local) },
    { name: 'compose', conf: parseNginxConf(renderComposeConf()) },
  ];
}

function server(conf: Directive[]): Directive {
  const servers = findAll(conf, 'server').filter((d) => d.block);
  assert.equal(servers.length, 1, 'one server block');
  return servers[0];
}

function locations(conf: Directive[]): Directive[] {
  return own(server(conf).block, 'location');
}

function location(conf: Directive[], name: string): Directive {
  const found = locations(conf).find((l) => locationName(l) === name);
  assert.ok(found, `location ${name}`);
  return found;
}

describe('nginx configuration', async () => {
  const confs = await configurations();

  for (const { name, conf } of confs) {
    describe(name, () => {
      it('every proxied location forwards Host, X-Real-IP, X-Forwarded-For = $remote_addr and X-Forwarded-Proto', () => {
        const proxied = locations(conf).filter((l) => own(l.block, 'proxy_pass').length > 0);
        assert.ok(proxied.length >= 2, 'the Socket.IO and API locations');
        for (const l of proxied) {
          const headers = proxyHeaders(l);
          const where = `location ${locationName(l)}`;
          assert.equal(headers.get('host'), '$host', where);
          assert.equal(headers.get('x-real-ip'), '$remote_addr', where);
          // Overwritten, not appended: a client's own X-Forwarded-For never reaches the replicas.
          assert.equal(headers.get('x-forwarded-for'), '$remote_addr', where);
          assert.equal(headers.get('x-forwarded-proto'), '$scheme', where);
          assert.ok(
            own(l.block, 'proxy_hide_header').some((d) => d.args[0].toLowerCase() === 'x-powered-by'),
            `${where} hides X-Powered-By`,
          );
        }
        assert.equal(findAll(conf, 'proxy_intercept_errors').length, 0, "the replicas' JSON errors pass through untouched");
        assert.ok(!JSON.stringify(conf).includes('$proxy_add_x_forwarded_for'));
      });

      it('keeps each location its own upgrade or keepalive headers', () => {
        const socket = proxyHeaders(location(conf, '/socket.io/'));
        assert.equal(socket.get('upgrade'), '$http_upgrade');
        assert.equal(socket.get('connection'), '$connection_upgrade');
        assert.equal(proxyHeaders(location(conf, '/')).get('connection'), '');
        const timeouts = own(location(conf, '/socket.io/').block, 'proxy_read_timeout');
        assert.deepEqual(
          timeouts.map((d) => d.args[0]),
          ['75s'],
          'idle WebSockets outlive ping interval + timeout',
        );
      });

      it('answers 404 for metrics under every spelling, exact /metrics included', () => {
        const metrics = locations(conf).filter((l) => l.args[0] === '~*' || l.args[0] === '~');
        const blocked = metrics.find((l) => own(l.block, 'return')[0]?.args[0] === '404');
        assert.ok(blocked, 'a regex location that returns 404');
        assert.equal(blocked.args[0], '~*', 'case-insensitive');
        const pattern = new RegExp(blocked.args[1], 'i');
        for (const path of ['/metrics', '/metrics/', '/METRICS', '/Metrics', '/metrics/anything']) assert.match(path, pattern);
        for (const path of ['/metricsx', '/rooms', '/api/metrics']) assert.doesNotMatch(path, pattern);
      });

      it('sends the web client with CSP, frame, nosniff and referrer headers', () => {
        for (const web of ['= /', '/assets/']) {
          const headers = addedHeaders(location(conf, web));
          assert.equal(headers.get('content-security-policy')?.value, CSP, web);
          assert.equal(headers.get('x-frame-options')?.value, 'DENY', web);
          assert.equal(headers.get('x-content-type-options')?.value, 'nosniff', web);
          assert.equal(headers.get('referrer-policy')?.value, 'no-referrer', web);
          for (const header of ['content-security-policy', 'x-frame-options', 'x-content-type-options', 'referrer-policy']) {
            assert.equal(headers.get(header)?.always, true, `${web} ${header} on every status`);
          }
        }
      });

      it('sends nosniff and no-referrer on every location that adds headers, API and errors included', () => {
        assert.equal(own(server(conf).block, 'add_header').length, 0, 'none at the server level, where a location would drop them');
        for (const l of locations(conf)) {
          const headers = addedHeaders(l);
          if (own(l.block, 'proxy_pass').length === 0 && headers.size === 0) continue;
          assert.equal(headers.get('x-content-type-options')?.value, 'nosniff', `location ${locationName(l)}`);
          assert.equal(headers.get('referrer-policy')?.value, 'no-referrer', `location ${locationName(l)}`);
        }
      });

      it("answers nginx's own errors as JSON in the API's shape", () => {
        const pages = new Map(own(server(conf).block, 'error_page').map((d) => [Number(d.args[0]), d.args]));
        for (const [raised, expected] of Object.entries(EDGE_ERRORS)) {
          const args = pages.get(Number(raised));
          assert.ok(args, `error_page ${raised}`);
          const target = location(conf, `= ${args[args.length - 1]}`);
          assert.ok(own(target.block, 'internal').length === 1, `${raised}: not reachable from outside`);
          assert.deepEqual(own(target.block, 'default_type')[0]?.args, ['application/json'], `${raised}: default_type`);
          const [status, body] = own(target.block, 'return')[0]?.args ?? [];
          assert.equal(Number(status), expected.status, `${raised}: status`);
          const parsed = JSON.parse(body) as Record<string, unknown>;
          assert.deepEqual(Object.keys(parsed), ['statusCode', 'error', 'message', 'code'], `${raised}: shape`);
          assert.equal(parsed.statusCode, expected.status);
          assert.equal(parsed.code, expected.code, `${raised}: code`);
          if (expected.status !== Number(raised)) assert.ok(args.includes(`=${expected.status}`), `${raised} leaves as ${expected.status}`);
        }
      });

      it('cuts slow clients after 10 s and caps connections per address with 429', () => {
        const http = findAll(conf, 'http')[0].block;
        for (const timeout of ['client_header_timeout', 'client_body_timeout', 'send_timeout']) {
          assert.deepEqual(own(http, timeout)[0]?.args, ['10s'], timeout);
        }
        const block = server(conf).block;
        assert.deepEqual(own(block, 'limit_conn_status')[0]?.args, ['429']);
        const [zone, cap] = own(block, 'limit_conn')[0]?.args ?? [];
        assert.equal(zone, 'perip');
        assert.ok(Number(cap) > 0 && Number(cap) <= 1000, `cap ${cap}`);
        assert.ok(own(http, 'limit_conn_zone')[0]?.args.includes('zone=perip:10m'));
      });

      it('logs requests without their query string', () => {
        const http = findAll(conf, 'http')[0].block;
        for (const format of own(http, 'log_format')) {
          const text = format.args.slice(1).join('');
          assert.match(text, /\$uri\b/);
          assert.doesNotMatch(text, /\$request\b|\$request_uri|\$args|\$query_string|\$arg_/, 'a token in ?token= never reaches a log');
        }
        for (const log of own(http, 'access_log')) {
          if (log.args[0] !== 'off') assert.ok(log.args[1], 'an access log names its (path-only) format');
        }
      });
    });
  }

  it('local: listens on loopback, exempts only 127.0.0.1 from the cap, and connects to the replicas from its own address', async () => {
    const { nginxSourceAddress } = await import('../../deploy/local/cluster.mjs');
    const { conf } = confs.find((c) => c.name === 'local')!;
    assert.deepEqual(own(server(conf).block, 'listen')[0]?.args, ['127.0.0.1:18080']);
    const geo = findAll(conf, 'geo')[0];
    assert.ok(geo?.block, 'a geo map of exempt addresses');
    assert.deepEqual(
      geo.block.filter((d) => d.name !== 'default').map((d) => [d.name, ...d.args]),
      [['127.0.0.1', '1']],
    );
    const bind = own(server(conf).block, 'proxy_bind')[0]?.args[0];
    assert.equal(bind, nginxSourceAddress(), 'the address the replicas trust (TRUST_PROXY)');
    if (process.platform === 'linux') assert.notEqual(bind, '127.0.0.1', 'not the address every local client uses');
  });

  it('compose: listens on every interface of the container, on 8080, and exempts nobody from the cap', () => {
    const { conf } = confs.find((c) => c.name === 'compose')!;
    assert.deepEqual(own(server(conf).block, 'listen')[0]?.args, ['0.0.0.0:8080']);
    assert.equal(findAll(conf, 'geo').length, 0);
    assert.deepEqual(own(findAll(conf, 'http')[0].block, 'limit_conn_zone')[0]?.args, ['$binary_remote_addr', 'zone=perip:10m']);
    assert.equal(findAll(conf, 'server_tokens')[0]?.args[0], 'off');
    assert.match(own(findAll(conf, 'http')[0].block, 'access_log')[0]?.args[0] ?? '', /stdout/);
  });
});
