import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config';
import { DEMO_JWT_SECRET } from './env.schema';

describe('loadConfig', () => {
  it('works with no configuration at all', () => {
    const config = loadConfig({});
    assert.equal(config.gateway.port, 3000);
    assert.equal(config.redis.prefix, 'chat:');
    assert.equal(config.auth.jwtSecret, DEMO_JWT_SECRET);
    assert.deepEqual(config.gateway.corsOrigins, []);
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual(config.gateway.trustProxy, ['127.0.0.1']);
  });

  it('names the malformed variable', () => {
    assert.throws(
      () => loadConfig({ PORT: 'eighty' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /PORT="eighty"/);
        return true;
      },
    );
  });

  it('names every malformed variable at once', () => {
    assert.throws(() => loadConfig({ REDIS_URL: 'http://x', SID_ROUTING: 'maybe' }), /REDIS_URL="http:\/\/x".*\n.*SID_ROUTING="maybe"/s);
  });

  it('gives every Redis role REDIS_URL unless its own variable says otherwise', () => {
    const local = 'redis://127.0.0.1:6379';
    assert.deepEqual(loadConfig({}).redis, { prefix: 'chat:', pubsub: local, queue: local, state: local, ackReplicas: 0 });
    const shared = 'rediss://:pw@redis.internal:6380/2';
    assert.deepEqual(loadConfig({ REDIS_URL: shared }).redis, {
      prefix: 'chat:',
      pubsub: shared,
      queue: shared,
      state: shared,
      ackReplicas: 0,
    });
    const config = loadConfig({
      REDIS_URL: shared,
      REDIS_PUBSUB_URL: 'redis+cluster://p1:7000,p2:7000',
      REDIS_STATE_URL: 'redis://state:6379/1',
    }).redis;
    assert.deepEqual([config.pubsub, config.queue, config.state], ['redis+cluster://p1:7000,p2:7000', shared, 'redis://state:6379/1']);
    assert.equal(loadConfig({ REDIS_QUEUE_URL: 'redis://queue:6379' }).redis.queue, 'redis://queue:6379');
  });

  it("waits for one replica by default when the queue's Redis is Sentinel or Cluster", () => {
    const ackReplicas = (env: NodeJS.ProcessEnv) => loadConfig(env).redis.ackReplicas;
    assert.equal(ackReplicas({ REDIS_QUEUE_URL: 'redis+sentinel://s1:26379,s2:26379/mymaster' }), 1);
    assert.equal(ackReplicas({ REDIS_URL: 'rediss+cluster://n1:7000' }), 1);
    // Only the queue role's URL counts.
    assert.equal(ackReplicas({ REDIS_URL: 'redis+cluster://n1:7000', REDIS_QUEUE_URL: 'redis://q:6379' }), 0);
    assert.equal(ackReplicas({ REDIS_PUBSUB_URL: 'redis+cluster://n1:7000' }), 0);
    assert.equal(ackReplicas({ REDIS_URL: 'redis+cluster://n1:7000', REDIS_ACK_REPLICAS: '0' }), 0);
    assert.equal(ackReplicas({ REDIS_ACK_REPLICAS: '2' }), 2);
    for (const bad of ['-1', '1.5', 'one']) {
      assert.throws(() => loadConfig({ REDIS_ACK_REPLICAS: bad }), new RegExp(`REDIS_ACK_REPLICAS="${bad}"`));
    }
  });

  it('names a malformed Redis URL and what is wrong with it, never its password', () => {
    const refused = (env: NodeJS.ProcessEnv, pattern: RegExp) =>
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.match(error.message, pattern);
          assert.ok(!/hunter2|sentinel-secret/.test(error.message), error.message);
          return true;
        },
      );
    refused(
      { REDIS_QUEUE_URL: 'redis+sentinel://app:hunter2@s1:26379,s2:26379' },
      /^Invalid environment:\n {2}REDIS_QUEUE_URL="redis\+sentinel:\/\/app:\*\*\*@s1:26379,s2:26379": redis\+sentinel URL needs a master name/,
    );
    refused({ REDIS_STATE_URL: 'redis+cluster://:hunter2@n1:7000/1' }, /REDIS_STATE_URL=.*Redis Cluster has no databases/);
    refused({ REDIS_PUBSUB_URL: 'redis+cluster://n1' }, /REDIS_PUBSUB_URL="redis\+cluster:\/\/n1": seed node "n1" needs a port/);
    refused({ REDIS_URL: 'redis://u:hunter2@h:1,h:2' }, /REDIS_URL="redis:\/\/u:\*\*\*@h:1,h:2": a redis:\/\/ URL takes one host/);
    refused(
      { REDIS_URL: 'redis+sentinel://s:1/m?sentinelPassword=sentinel-secret&db=1' },
      /REDIS_URL="redis\+sentinel:\/\/s:1\/m\?sentinelPassword=\*\*\*&db=1": unknown query parameter "db"/,
    );
    refused({ REDIS_URL: 'mysql://root:hunter2@db/chat' }, /REDIS_URL="mysql:\/\/root:\*\*\*@db\/chat": unknown scheme "mysql:"/);
    // Every variable at once, as for the others.
    refused(
      { REDIS_PUBSUB_URL: 'redis:/x', REDIS_QUEUE_URL: 'redis://h:x' },
      /REDIS_PUBSUB_URL="redis:\/x": not a URL.*\n.*REDIS_QUEUE_URL="redis:\/\/h:x": bad port "x"/s,
    );
  });

  it('refuses the demo secret, short, repetitive and placeholder secrets in production', () => {
    const production = (JWT_SECRET?: string) => () => loadConfig({ NODE_ENV: 'production', JWT_SECRET });
    assert.throws(production(undefined), /JWT_SECRET.*published/);
    assert.throws(production('change-me-in-production-please'), /JWT_SECRET.*published/);
    assert.throws(production('Zq8!vR2#pL5@wK9$'), /JWT_SECRET.*32 bytes/);
    assert.throws(production('a'.repeat(64)), /JWT_SECRET.*repetitive/);
    assert.throws(production('x'.repeat(32)), /JWT_SECRET/);
    assert.throws(production('changeme-changeme-changeme-changeme-1234'), /JWT_SECRET.*placeholder/);
    assert.throws(production('my-example-jwt-key-for-the-chat-cluster-9f8e7d'), /JWT_SECRET.*placeholder/);
    assert.equal(production(randomBytes(48).toString('base64url'))().env, 'production');
    // Development keeps working with no configuration.
    assert.equal(loadConfig({ NODE_ENV: 'development', JWT_SECRET: 'a'.repeat(16) }).env, 'development');
  });

  it('refuses every JWT_SECRET value written anywhere in the repository in production', () => {
    const root = join(__dirname, '../../..');
    const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && !f.endsWith('package-lock.json') && existsSync(join(root, f)));
    const published = new Set<string>();
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const match of text.matchAll(/JWT_SECRET\W{0,3}[:=]\s*['"`]?([^\s'"`,;)}]+)/g)) {
        const value = match[1].replace(/^\$\{JWT_SECRET:-/, '');
        if (value.startsWith('$') || value.length === 0) continue; // a reference, not a value
        published.add(value);
      }
    }
    assert.ok(published.size > 0, "the scan finds the repository's examples");
    for (const value of published) {
      assert.throws(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: value }), /JWT_SECRET/, value);
    }
  });

  it('refuses a wildcard CORS origin in production and malformed origins anywhere', () => {
    const secret = randomBytes(48).toString('base64url');
    assert.throws(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret, CORS_ORIGINS: '*' }), /CORS_ORIGINS/);
    assert.equal(loadConfig({ CORS_ORIGINS: '*' }).gateway.corsOrigins, '*');
    assert.throws(() => loadConfig({ CORS_ORIGINS: 'evil.example' }), /CORS_ORIGINS/);
    assert.deepEqual(
      loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret, CORS_ORIGINS: 'https://chat.example.org' }).gateway.corsOrigins,
      ['https://chat.example.org'],
    );
  });

  it('keeps guests at least as long as their tokens live', () => {
    assert.equal(loadConfig({}).worker.guestRetentionHours, 24);
    assert.throws(() => loadConfig({ GUEST_RETENTION_HOURS: '1', JWT_TTL_SECONDS: '7200' }), /GUEST_RETENTION_HOURS=1/);
  });

  it('reads the trusted proxies, or none', () => {
    assert.equal(loadConfig({ TRUST_PROXY: 'none' }).gateway.trustProxy, false);
    assert.deepEqual(loadConfig({ TRUST_PROXY: '172.30.0.10, 10.0.0.0/8' }).gateway.trustProxy, ['172.30.0.10', '10.0.0.0/8']);
    assert.throws(() => loadConfig({ TRUST_PROXY: 'nginx' }), /TRUST_PROXY="nginx"/);
  });

  it('treats an empty variable as unset and splits origin lists', () => {
    const config = loadConfig({ PORT: '', CORS_ORIGINS: 'http://a.test, http://b.test' });
    assert.equal(config.gateway.port, 3000);
    assert.deepEqual(config.gateway.corsOrigins, ['http://a.test', 'http://b.test']);
  });

  it('takes 0 as "no linger" and refuses a negative or fractional one', () => {
    const config = loadConfig({ QUEUE_LINGER_MS: '0', WORKER_LINGER_MS: '25' });
    assert.equal(config.gateway.queueLingerMs, 0);
    assert.equal(config.worker.lingerMs, 25);
    assert.equal(loadConfig({}).gateway.queueLingerMs, 10);
    assert.throws(() => loadConfig({ QUEUE_LINGER_MS: '-1' }), /QUEUE_LINGER_MS="-1"/);
    assert.throws(() => loadConfig({ WORKER_LINGER_MS: '2.5' }), /WORKER_LINGER_MS="2.5"/);
  });
});
