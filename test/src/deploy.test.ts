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

/** The profiles a service of `docker-compose config`'s YAML belongs to; none: it always starts. */
function profiles(service: string): string[] {
  const list = /^ {4}profiles:\n((?: {4}- .*\n)+)/m.exec(service)?.[1] ?? '';
  return [...list.matchAll(/- (\S+)/g)].map((m) => m[1]);
}

/** A service's bind mounts, container path → host file, from `docker-compose config`'s YAML. */
function bindMounts(service: string): Map<string, string> {
  return new Map([...service.matchAll(/^ {4}- (\/\S+?):(\/\S+?)(?::ro|:rw)?$/gm)].map((m) => [m[2], m[1]]));
}

/**
 * A Redis or Sentinel configuration file as the container reads it: `include`s of mounted files
 * expanded in place, comments and blank lines dropped.
 */
function redisConfig(containerPath: string, mounts: Map<string, string>): string[] {
  const file = mounts.get(containerPath);
  assert.ok(file, `${containerPath} is mounted`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .flatMap((line) => (line.startsWith('include ') ? redisConfig(line.slice('include '.length), mounts) : [line]));
}

/** The value of a configuration directive: the last line that sets it wins, as in Redis. */
function directive(config: string[], name: string): string | undefined {
  return config
    .filter((line) => line.startsWith(`${name} `))
    .map((line) => line.slice(name.length + 1))
    .at(-1);
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
    const publishing = [...all].filter(([, text]) => /^ {4}ports:$/m.test(text));
    assert.deepEqual(
      publishing.filter(([, text]) => profiles(text).length === 0).map(([name]) => name),
      ['nginx'],
      'only nginx publishes a port',
    );
    // The opt-in monitoring (the `observability` profile) is reachable from this host only.
    for (const [name, text] of publishing.filter(([, t]) => profiles(t).length > 0)) {
      assert.deepEqual(profiles(text), ['observability'], name);
      const ports = [...(/^ {4}ports:\n((?: {4}- .*\n)+)/m.exec(text)?.[1] ?? '').matchAll(/^ {4}- (.*)$/gm)].map((m) => m[1]);
      assert.ok(
        ports.length > 0 && ports.every((p) => p?.startsWith('127.0.0.1:')),
        `${name} publishes on loopback only: ${ports.join(', ')}`,
      );
    }
    const address = /ipv4_address: (\S+)/.exec(all.get('nginx') ?? '')?.[1];
    assert.ok(address, 'nginx has a fixed address');
    const trusted = [...result.stdout.matchAll(/TRUST_PROXY: (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(trusted, [address, address, address], 'every gateway trusts exactly nginx');
    assert.equal([...result.stdout.matchAll(/METRICS_PORT: '9464'/g)].length, 3, 'each gateway has an (unpublished) metrics port');
    assert.doesNotMatch(result.stdout, /published: 9464/);
  });

  it('docker-compose.yml runs one Redis by default (AOF, noeviction), the apps on it unless REDIS_URL says otherwise', () => {
    const result = composeConfig(['docker-compose.yml'], secrets);
    assert.equal(result.status, 0, result.stderr);
    const always = [...services(result.stdout)].filter(([, text]) => profiles(text).length === 0);
    const redis = always.filter(([, text]) => /^ {4}image: redis:/m.test(text));
    assert.deepEqual(
      redis.map(([name]) => name),
      ['redis'],
      'one Redis without a profile',
    );
    const command = (/^ {4}command: (.*(?:\n {6}.*)*)/m.exec(redis[0][1])?.[1] ?? '').replace(/\s+/g, ' ');
    assert.match(command, /--appendonly yes/);
    assert.match(command, /--maxmemory-policy noeviction/);
    const profiled = new Set([...services(result.stdout)].filter(([, text]) => profiles(text).length > 0).map(([name]) => name));
    for (const [name, text] of always) {
      const needs = [...(/^ {4}depends_on:\n((?: {6}.*\n)+)/m.exec(text)?.[1] ?? '').matchAll(/^ {6}(\S+):$/gm)].map((m) => m[1]);
      assert.deepEqual(
        needs.filter((n) => profiled.has(n)),
        [],
        `${name} depends on no service of a profile`,
      );
    }
    assert.deepEqual(
      [...result.stdout.matchAll(/^ {6}REDIS_URL: (.*)$/gm)].map((m) => m[1]),
      Array(4).fill('redis://redis:6379'),
      'three gateways and the worker',
    );
    for (const role of ['PUBSUB', 'QUEUE', 'STATE']) {
      assert.equal(
        [...result.stdout.matchAll(new RegExp(`^ {6}REDIS_${role}_URL: ''$`, 'gm'))].length,
        4,
        `REDIS_${role}_URL empty: REDIS_URL`,
      );
    }
    const sentinelUrl = 'redis+sentinel://redis-sentinel-1:26379,redis-sentinel-2:26379,redis-sentinel-3:26379/chat';
    const pointed = composeConfig(['docker-compose.yml'], { ...secrets, REDIS_URL: sentinelUrl, REDIS_ACK_REPLICAS: '1' });
    assert.equal(pointed.status, 0, pointed.stderr);
    assert.equal([...pointed.stdout.matchAll(/^ {6}REDIS_URL: (.*)$/gm)].filter((m) => m[1] === sentinelUrl).length, 4);
    assert.equal([...pointed.stdout.matchAll(/^ {6}REDIS_ACK_REPLICAS: '1'$/gm)].length, 4);
  });

  it('docker-compose.yml’s `sentinel` profile: a primary, a replica and three Sentinels, noeviction and AOF, as its comment says', () => {
    const result = composeConfig(['docker-compose.yml'], { ...secrets, COMPOSE_PROFILES: 'sentinel' });
    assert.equal(result.status, 0, result.stderr);
    const flagged = spawnSync('docker-compose', ['-f', join(repoRoot, 'docker-compose.yml'), '--profile', 'sentinel', 'config', '-q'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...secrets },
    });
    assert.equal(flagged.status, 0, flagged.stderr);
    const sentinelProfile = [...services(result.stdout)].filter(([, text]) => profiles(text).includes('sentinel'));
    for (const [name, text] of sentinelProfile) {
      assert.match(text, /^ {4}image: redis:7(\.\d+)*$/m, `${name} runs Redis 7`);
      assert.doesNotMatch(text, /^ {4}ports:$/m, `${name} publishes no port`);
    }
    const env = (text: string, name: string) => new RegExp(`^ {6}${name}: (\\S+)$`, 'm').exec(text)?.[1];

    // The data nodes: each runs its primary.conf or replica.conf (which include redis.conf).
    const nodes = sentinelProfile
      .filter(([, text]) => env(text, 'NODE_CONF'))
      .map(([name, text]) => {
        assert.match(
          text.replace(/\s+/g, ' '),
          /cp "\/usr\/local\/etc\/redis\/\$\$NODE_CONF" \/data\/redis\.conf; exec docker-entrypoint\.sh redis-server \/data\/redis\.conf'/,
        );
        return { name, config: redisConfig(`/usr/local/etc/redis/${env(text, 'NODE_CONF')}`, bindMounts(text)) };
      });
    const primaries = nodes.filter((n) => directive(n.config, 'replicaof') === undefined);
    const replicas = nodes.filter((n) => directive(n.config, 'replicaof') !== undefined);
    assert.equal(primaries.length, 1, 'one primary');
    assert.equal(replicas.length, 1, 'one replica');
    const primary = primaries[0].name;
    assert.equal(directive(replicas[0].config, 'replicaof'), `${primary} 6379`);
    for (const { name, config } of nodes) {
      assert.equal(directive(config, 'maxmemory-policy'), 'noeviction', `${name}: the queue role needs noeviction`);
      assert.equal(directive(config, 'appendonly'), 'yes', `${name}: AOF`);
      assert.equal(directive(config, 'appendfsync'), 'everysec', name);
      assert.equal(directive(config, 'replica-announce-ip'), name, `${name} announces its service name`);
    }

    // The Sentinels: each from sentinel.conf, announcing its own service name.
    const sentinels = sentinelProfile
      .filter(([, text]) => /--sentinel'/.test(text.replace(/\s+/g, ' ')))
      .map(([name, text]) => ({ name, text, config: redisConfig('/usr/local/etc/redis/sentinel.conf', bindMounts(text)) }));
    assert.equal(sentinels.length, 3, 'three Sentinels');
    assert.equal(sentinelProfile.length, 5, 'nothing else in the profile');
    for (const { name, text, config } of sentinels) {
      assert.equal(env(text, 'ANNOUNCE_HOSTNAME'), name, `${name} announces its service name`);
      assert.equal(directive(config, 'sentinel resolve-hostnames'), 'yes', name);
      assert.equal(directive(config, 'sentinel announce-hostnames'), 'yes', name);
      assert.ok(
        config.indexOf('sentinel resolve-hostnames yes') < config.findIndex((l) => l.startsWith('sentinel monitor ')),
        'hostnames resolved before `sentinel monitor` names one',
      );
      assert.equal(directive(config, 'sentinel monitor'), `chat ${primary} 6379 2`, `${name} watches the primary, quorum 2`);
      assert.match(text, new RegExp(`^ {6}${primary}:\\n {8}condition: service_healthy$`, 'm'), `${name} starts once ${primary} resolves`);
    }

    // The comment's way of pointing the apps at it names exactly these Sentinels and master.
    const documented = /REDIS_URL=(redis\+sentinel:\/\/\S+)/.exec(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'))?.[1] ?? '';
    const [hosts, master] = documented.slice('redis+sentinel://'.length).split('/');
    assert.deepEqual(
      hosts.split(','),
      sentinels.map((s) => `${s.name}:26379`),
    );
    assert.equal(master, 'chat');
    assert.match(readFileSync(join(repoRoot, 'docker-compose.yml'), 'utf8'), /REDIS_ACK_REPLICAS=1/);

    // More containers start before nginx now: none may be given its fixed address.
    const ip = (address: string) => address.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
    const range = /ip_range: ([\d.]+)\/(\d+)/.exec(result.stdout);
    const nginx = /ipv4_address: ([\d.]+)/.exec(services(result.stdout).get('nginx') ?? '')?.[1];
    assert.ok(range && nginx, 'a range for the other containers, and nginx’s fixed address');
    const [first, size] = [ip(range[1]), 2 ** (32 - Number(range[2]))];
    assert.ok(ip(nginx) < first || ip(nginx) >= first + size, 'nginx’s address lies outside the range the others get theirs from');
  });

  it('the launcher hands every Redis variable to the apps, starts a redis-server for a loopback redis:// URL only, and masks passwords', async () => {
    const { redisSettings, ensureRedis, ensureRedisRoles, RedisEnvError } = await import('../../deploy/local/services.mjs');
    const byDefault = redisSettings({});
    assert.deepEqual(byDefault.env, { REDIS_URL: 'redis://127.0.0.1:6379' });
    assert.deepEqual(
      byDefault.roles.map((r) => [r.role, r.variable, r.target.local]),
      [
        ['pubsub', 'REDIS_URL', true],
        ['queue', 'REDIS_URL', true],
        ['state', 'REDIS_URL', true],
      ],
    );

    const given = {
      REDIS_URL: 'redis+sentinel://app:hunter2@s1:26379,s2:26379,s3:26379/chat',
      REDIS_PUBSUB_URL: 'rediss://:hunter3@cache.example.com:6380/1',
      REDIS_QUEUE_URL: '',
      REDIS_STATE_URL: 'redis+cluster://n1:7000,n2:7000',
      REDIS_ACK_REPLICAS: '1',
    };
    const settings = redisSettings(given);
    assert.deepEqual(settings.env, {
      REDIS_URL: given.REDIS_URL,
      REDIS_PUBSUB_URL: given.REDIS_PUBSUB_URL,
      REDIS_STATE_URL: given.REDIS_STATE_URL,
      REDIS_ACK_REPLICAS: '1',
    });
    assert.deepEqual(
      settings.roles.map((r) => [r.role, r.variable, r.target.kind, r.target.local]),
      [
        ['pubsub', 'REDIS_PUBSUB_URL', 'standalone', false],
        ['queue', 'REDIS_URL', 'sentinel', false],
        ['state', 'REDIS_STATE_URL', 'cluster', false],
      ],
    );
    // Nothing to start or probe for any of them: this returns without a network round trip.
    const lines: string[] = [];
    const runDir = mkdtempSync(join(tmpdir(), 'launcher-redis-'));
    try {
      (await ensureRedisRoles(settings, { runDir, log: (line) => lines.push(line) })).stop();
      assert.deepEqual(await ensureRedis(given.REDIS_URL, { runDir, log: (line) => lines.push(line) }), { started: false });
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
    assert.deepEqual(lines, [
      'Redis pub/sub: rediss://:***@cache.example.com:6380/1 (REDIS_PUBSUB_URL; TLS, used as given)',
      'Redis queue: redis+sentinel://app:***@s1:26379,s2:26379,s3:26379/chat (REDIS_URL; Sentinel, used as given)',
      'Redis state: redis+cluster://n1:7000,n2:7000 (REDIS_STATE_URL; Redis Cluster, used as given)',
    ]);
    assert.equal(redisSettings({ REDIS_URL: 'redis://10.0.0.5:6379' }).roles[0].target.local, false, 'another host: never started');
    assert.equal(redisSettings({ REDIS_URL: 'redis://localhost:6380/2' }).roles[0].target.local, true);

    for (const [variable, value, reason] of [
      ['REDIS_QUEUE_URL', 'redis+sentinel://app:hunter2@s1:26379,s2:26379', /needs a master name/],
      ['REDIS_URL', 'http://user:hunter2@x', /unknown scheme/],
      ['REDIS_STATE_URL', 'redis://:hunter2@a:1,b:2', /takes one host/],
      ['REDIS_PUBSUB_URL', 'redis+cluster://:hunter2@n1:7000/1', /no path/],
      ['REDIS_ACK_REPLICAS', '-1', /non-negative integer/],
    ] as const) {
      assert.throws(
        () => redisSettings({ [variable]: value }),
        (error: Error) => {
          assert.ok(error instanceof RedisEnvError);
          assert.match(error.message, new RegExp(`^Invalid environment: ${variable}=`));
          assert.match(error.message, reason);
          assert.doesNotMatch(error.message, /hunter2/);
          return true;
        },
      );
    }
  });

  it('`npm start` stops on a malformed Redis URL before anything else, naming the variable', () => {
    const result = spawnSync(process.execPath, [join(repoRoot, 'deploy/local/start.mjs')], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', REDIS_STATE_URL: 'redis+sentinel://app:hunter2@s1:26379' },
      timeout: 10_000,
    });
    assert.equal(result.status, 78, result.stderr);
    assert.match(result.stderr, /^Invalid environment: REDIS_STATE_URL="redis\+sentinel:\/\/app:\*\*\*@s1:26379": .*master name/);
    assert.doesNotMatch(result.stderr + result.stdout, /hunter2/);
    assert.equal(result.stdout, '', 'nothing installed, started or built');
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
