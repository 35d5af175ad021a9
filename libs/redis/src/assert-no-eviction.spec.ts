import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type Redis from 'ioredis';
import type { Cluster } from 'ioredis';
import { assertNoEviction } from './assert-no-eviction';
import { createRedis, type RedisClient } from './create-redis';

/** A stand-in for one server: CONFIG GET and INFO memory answer, or fail, as told. */
function fakeServer(config: string | Error, info: string | Error, port = 6379) {
  return {
    options: { host: '10.0.0.1', port },
    isCluster: false,
    call: (...args: string[]) => {
      assert.deepEqual(args, ['CONFIG', 'GET', 'maxmemory-policy']);
      return config instanceof Error ? Promise.reject(config) : Promise.resolve(['maxmemory-policy', config]);
    },
    info: (section: string) => {
      assert.equal(section, 'memory');
      return info instanceof Error ? Promise.reject(info) : Promise.resolve(`# Memory\r\nused_memory:1\r\nmaxmemory_policy:${info}\r\n`);
    },
  };
}
const asClient = (fake: object) => fake as unknown as RedisClient;
const renamed = new Error("ERR unknown command 'CONFIG', with args beginning with: 'GET' 'maxmemory-policy'");

describe('assertNoEviction (stand-ins)', () => {
  it('passes on noeviction, read from CONFIG GET or, where CONFIG is renamed or forbidden, INFO memory', async () => {
    await assertNoEviction(asClient(fakeServer('noeviction', new Error('not asked'))), 'REDIS_QUEUE_URL');
    await assertNoEviction(asClient(fakeServer(renamed, 'noeviction')), 'REDIS_QUEUE_URL');
    await assertNoEviction(asClient(fakeServer(new Error('NOPERM this user has no permissions'), 'noeviction')), 'REDIS_QUEUE_URL');
  });

  it('names the variable and the policy found', async () => {
    await assert.rejects(
      assertNoEviction(asClient(fakeServer('allkeys-lru', 'allkeys-lru')), 'REDIS_QUEUE_URL'),
      /^Error: REDIS_QUEUE_URL: maxmemory-policy is allkeys-lru;/,
    );
    await assert.rejects(
      assertNoEviction(asClient(fakeServer(renamed, 'volatile-ttl')), 'REDIS_URL'),
      /REDIS_URL: maxmemory-policy is volatile-ttl/,
    );
  });

  it('says why when it cannot read the policy at all', async () => {
    await assert.rejects(
      assertNoEviction(asClient(fakeServer(renamed, new Error('ERR unknown command INFO'))), 'REDIS_QUEUE_URL'),
      /REDIS_QUEUE_URL: cannot read maxmemory-policy \(CONFIG GET: ERR unknown command 'CONFIG'.*; INFO memory: ERR unknown command INFO\)/,
    );
  });

  it('checks every master of a cluster, once it is ready', async () => {
    const masters = [
      fakeServer('noeviction', 'noeviction', 7000),
      fakeServer(renamed, 'allkeys-lfu', 7001),
      fakeServer('volatile-lru', '', 7002),
    ];
    const cluster = { isCluster: true, status: 'ready', nodes: (role: string) => (assert.equal(role, 'master'), masters) };
    await assert.rejects(
      assertNoEviction(asClient(cluster), 'REDIS_QUEUE_URL'),
      /REDIS_QUEUE_URL: maxmemory-policy is allkeys-lfu on 10\.0\.0\.1:7001, volatile-lru on 10\.0\.0\.1:7002;/,
    );
    masters.splice(1);
    await assertNoEviction(asClient(cluster), 'REDIS_QUEUE_URL');
    await assert.rejects(assertNoEviction(asClient({ ...cluster, nodes: () => [] }), 'REDIS_QUEUE_URL'), /no master/);
  });

  it('waits for a lazy cluster to connect first', async () => {
    let connected = false;
    const cluster = {
      isCluster: true,
      status: 'wait',
      connect: () => ((connected = true), Promise.resolve()),
      nodes: () => (assert.ok(connected), [fakeServer('noeviction', '')]),
    } as unknown as Cluster;
    await assertNoEviction(cluster, 'REDIS_QUEUE_URL');
  });
});

/** A port in 10000–32000 nobody listens on (checked by binding it). */
async function sparePort(): Promise<number> {
  for (;;) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/** A throwaway redis-server of our own (never the shared one on 6379), killed in after(). */
async function startRedis(args: string[]): Promise<{ url: string; process: ChildProcess }> {
  const port = await sparePort();
  const child = spawn('redis-server', ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1', ...args], {
    stdio: 'ignore',
  });
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`redis-server exited (${code})`))));
  exited.catch(() => undefined);
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(true)); // the port is taken: redis-server is listening
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
    });
    if (up) return { url: `redis://127.0.0.1:${port}`, process: child };
    await Promise.race([sleep(50), exited]);
  }
  child.kill();
  throw new Error('redis-server did not start');
}

describe('assertNoEviction and createRedis against a real redis-server', () => {
  const servers: ChildProcess[] = [];
  const clients: RedisClient[] = [];
  const warnings: string[] = [];
  const logger = { log: () => undefined, warn: (line: string) => warnings.push(line) };
  let evicting: string;
  let safe: string;
  let configRenamed: string;

  before(async () => {
    for (const [name, args] of [
      ['evicting', ['--maxmemory-policy', 'allkeys-lru']],
      ['safe', ['--maxmemory-policy', 'noeviction']],
      ['configRenamed', ['--maxmemory-policy', 'noeviction', '--rename-command', 'CONFIG', '""']],
    ] as const) {
      const server = await startRedis([...args]);
      servers.push(server.process);
      if (name === 'evicting') evicting = server.url;
      else if (name === 'safe') safe = server.url;
      else configRenamed = server.url;
    }
  });

  after(async () => {
    for (const client of clients) client.disconnect();
    for (const server of servers) server.kill('SIGKILL');
    await sleep(10);
  });

  const connect = (url: string, name: string) => {
    const client = createRedis(url, `no-eviction-spec:${name}`, logger);
    clients.push(client);
    return client;
  };

  it('refuses allkeys-lru, accepts noeviction, reads INFO where CONFIG is renamed', { timeout: 10_000 }, async () => {
    await assert.rejects(
      assertNoEviction(connect(evicting, 'evicting'), 'REDIS_QUEUE_URL'),
      /REDIS_QUEUE_URL: maxmemory-policy is allkeys-lru/,
    );
    await assertNoEviction(connect(safe, 'safe'), 'REDIS_QUEUE_URL');
    const renamedClient = connect(configRenamed, 'renamed');
    await assert.rejects(renamedClient.call('CONFIG', 'GET', 'maxmemory-policy'), /unknown command/);
    await assertNoEviction(renamedClient, 'REDIS_QUEUE_URL');
  });

  it('createRedis: a standalone connection that names itself and fails fast once its server is gone', { timeout: 10_000 }, async () => {
    const server = await startRedis(['--maxmemory-policy', 'noeviction']);
    servers.push(server.process);
    const redis = connect(server.url, 'fail-fast') as Redis;
    assert.equal(redis.isCluster, false);
    assert.equal(await redis.ping(), 'PONG');
    assert.equal(await redis.client('GETNAME'), 'no-eviction-spec:fail-fast');
    server.process.kill('SIGKILL');
    const started = Date.now();
    await assert.rejects(redis.get('x'));
    assert.ok(Date.now() - started < 3_000, `failed within ${Date.now() - started} ms`);
    assert.match(warnings.join('\n'), /redis no-eviction-spec:fail-fast connection lost/);
  });
});
