import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './support/test-cluster';

/**
 * `docker-compose config` on the given files, with exactly `env` besides PATH: what the caller's
 * shell exports (a JWT_SECRET of its own, HTTP_PORT, …) must not decide the outcome.
 */
function composeConfig(files: string[], env: Record<string, string>) {
  const args = [...files.flatMap((f) => ['-f', join(repoRoot, f)]), 'config'];
  const result = spawnSync('docker-compose', args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env } });
  assert.equal(result.error, undefined, 'docker-compose is installed');
  return result;
}

/** Each service's part of `docker-compose config`'s YAML, by service name. */
function services(config: string): Map<string, string> {
  const section = /^services:\n((?:^ .*\n)*)/m.exec(config)?.[1] ?? '';
  const parts = section.split(/^ {2}(?=\S)/m).filter(Boolean);
  return new Map(parts.map((part) => [part.slice(0, part.indexOf(':')), part]));
}

/** The container paths of the init scripts mounted into MySQL, from `docker-compose config`'s YAML. */
function initdbMounts(config: string): string[] {
  return [...config.matchAll(/\S+:(\/docker-entrypoint-initdb\.d\/\S+?)(?::ro)?$/gm)].map((m) => m[1]);
}

describe('deployment files', () => {
  const secret = randomBytes(32).toString('hex');
  const secrets = { JWT_SECRET: secret, MYSQL_PASSWORD: randomBytes(16).toString('hex') };

  it('docker-compose.yml refuses to start without JWT_SECRET, naming it', () => {
    const result = composeConfig(['docker-compose.yml'], { MYSQL_PASSWORD: secrets.MYSQL_PASSWORD });
    assert.notEqual(result.status, 0, 'no fallback secret');
    assert.match(result.stderr, /JWT_SECRET must be set/);
  });

  it('docker-compose.yml refuses to start without MYSQL_PASSWORD, naming it', () => {
    const result = composeConfig(['docker-compose.yml'], { JWT_SECRET: secret });
    assert.notEqual(result.status, 0, 'no published database password');
    assert.match(result.stderr, /MYSQL_PASSWORD must be set/);
  });

  it('docker-compose.yml passes `docker-compose config` with JWT_SECRET, and loads the schema only', () => {
    const result = composeConfig(['docker-compose.yml'], secrets);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(initdbMounts(result.stdout), ['/docker-entrypoint-initdb.d/1-init.sql']);
    assert.match(result.stdout, /init\.sql:\/docker-entrypoint-initdb\.d/);
    assert.doesNotMatch(result.stdout, /demo-seed\.sql/, 'no demo accounts in a production database');
  });

  it('docker-compose.yml publishes nginx only, and the gateways trust nginx’s fixed address only', () => {
    const result = composeConfig(['docker-compose.yml'], secrets);
    assert.equal(result.status, 0, result.stderr);
    const all = services(result.stdout);
    assert.deepEqual(
      [...all].filter(([, text]) => /^ {4}ports:$/m.test(text)).map(([name]) => name),
      ['nginx'],
      'only nginx publishes a port',
    );
    const address = /ipv4_address: (\S+)/.exec(all.get('nginx') ?? '')?.[1];
    assert.ok(address, 'nginx has a fixed address');
    const trusted = [...result.stdout.matchAll(/TRUST_PROXY: (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(trusted, [address, address, address], 'every gateway trusts exactly nginx');
    assert.equal([...result.stdout.matchAll(/METRICS_PORT: '9464'/g)].length, 3, 'each gateway has an (unpublished) metrics port');
    assert.doesNotMatch(result.stdout, /published: 9464/);
  });

  it('docker-compose.demo.yml adds the demo seed after the schema, in development mode', () => {
    const result = composeConfig(['docker-compose.yml', 'docker-compose.demo.yml'], secrets);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(initdbMounts(result.stdout), [
      '/docker-entrypoint-initdb.d/1-init.sql',
      '/docker-entrypoint-initdb.d/2-demo-seed.sql',
    ]);
    assert.equal([...result.stdout.matchAll(/NODE_ENV: development/g)].length, 4, 'three gateways and the worker');
    assert.doesNotMatch(result.stdout, /NODE_ENV: production/);
  });

  it('the demo accounts live in demo-seed.sql only, and init.sql creates tables only', () => {
    const schema = readFileSync(join(repoRoot, 'init.sql'), 'utf8');
    const seed = readFileSync(join(repoRoot, 'demo-seed.sql'), 'utf8');
    assert.doesNotMatch(schema, /^\s*INSERT/im);
    assert.doesNotMatch(schema, /@test\.com/);
    assert.match(seed, /admin@test\.com/);
    assert.doesNotMatch(seed, /CREATE TABLE|DROP/i);
    const dockerfile = readFileSync(join(repoRoot, 'deploy/docker/Dockerfile'), 'utf8');
    assert.match(dockerfile, /^COPY init\.sql /m);
    assert.doesNotMatch(dockerfile, /^COPY .*demo-seed/m, 'the image holds no demo accounts');
  });

  it('nginx/compose.conf is what the renderer produces', async () => {
    const { renderComposeConf } = await import('../../nginx/render.mjs');
    assert.equal(readFileSync(join(repoRoot, 'nginx/compose.conf'), 'utf8'), renderComposeConf(), 'run `node nginx/render.mjs`');
  });

  it('the local nginx configuration passes `nginx -t`', async () => {
    const { localNginxConf } = await import('../../deploy/local/cluster.mjs');
    const replicas = [1, 2, 3].map((i) => ({ name: `gateway-${i}`, port: 3000 + i }));
    nginxTest((dir) => localNginxConf({ httpPort: 18080, runDir: dir, webRoot: join(repoRoot, 'apps/web/dist'), replicas }));
  });

  // nginx/compose.conf itself names the compose services (gateway-1…3), which do not resolve
  // here, and `resolve` on upstream servers needs a newer nginx than Debian's: its other
  // directives (every interface, the access log's format, a cap without exemptions) are checked
  // with loopback replicas instead.
  it("the compose configuration's directives pass `nginx -t`", async () => {
    const { renderNginxConf, composeWebRoot } = await import('../../nginx/render.mjs');
    const replicas = [1, 2, 3].map((i) => ({ id: `gateway-${i}`, address: `127.0.0.1:${3000 + i}` }));
    nginxTest((dir) =>
      renderNginxConf({ listen: 18081, listenAddress: '0.0.0.0', runDir: dir, accessLog: true, webRoot: composeWebRoot, replicas }),
    );
  });
});

function nginxTest(render: (dir: string) => string): void {
  const dir = mkdtempSync(join(tmpdir(), 'nginx-conf-'));
  try {
    writeFileSync(join(dir, 'nginx.conf'), render(dir));
    // stdout to /dev/null: `nginx -t` opens compose's access log, /dev/stdout, which cannot be
    // opened on the socket pair a piped stdout would be.
    const result = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], {
      encoding: 'utf8',
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    assert.equal(result.status, 0, result.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
