import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config';
import { DEMO_JWT_SECRET } from './env.schema';

describe('loadConfig', () => {
  it('works with no configuration at all', () => {
    const config = loadConfig({});
    assert.equal(config.gateway.port, 3000);
    assert.equal(config.redis.prefix, 'chat:');
    assert.equal(config.auth.jwtSecret, DEMO_JWT_SECRET);
    assert.equal(config.gateway.corsOrigins, '*');
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

  it('refuses the demo secret in production', () => {
    assert.throws(() => loadConfig({ NODE_ENV: 'production' }), /JWT_SECRET/);
    assert.equal(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).env, 'production');
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
