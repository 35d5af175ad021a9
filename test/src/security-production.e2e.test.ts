import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useCluster } from './support/fixture';
import { freePort } from './support/ports';
import { http } from './support/source-address';
import { repoRoot } from './support/test-cluster';

/**
 * The security review's findings on production mode (C1, C2, and L1's production default): a
 * cluster started as a deployment would be, NODE_ENV=production with a strong secret and no
 * CORS_ORIGINS, on a database that still holds the demo accounts.
 */
describe('security: production mode', { timeout: 120_000 }, () => {
  const t = useCluster({
    gateways: 1,
    env: { NODE_ENV: 'production', JWT_SECRET: randomBytes(48).toString('base64url'), CORS_ORIGINS: '' },
  });

  it('C2: a demo account’s password never logs in under NODE_ENV=production, the site admin’s included', async () => {
    for (const email of ['admin@test.com', 'postman1@test.com']) {
      const response = await http<{ code: string }>(t.url, 'POST', '/auth/login', { body: { email, password: '1234' } });
      assert.equal(response.status, 401, `${email} / 1234 in production: ${response.status} ${response.text}`);
      assert.equal(response.body.code, 'UNAUTHORIZED');
    }
    const [rows] = await t.db.query('SELECT id FROM users WHERE email = ?', ['admin@test.com']);
    assert.equal((rows as unknown[]).length, 1, 'the demo site admin is in the database (the check above means something)');
  });

  it('L1: with CORS_ORIGINS unset, production grants no foreign Origin', async () => {
    const origin = { origin: 'http://evil.example' };
    for (const response of [
      await http(t.url, 'GET', '/health/live', { headers: origin }),
      await http(t.url, 'OPTIONS', '/auth/login', { headers: { ...origin, 'access-control-request-method': 'POST' } }),
      await http(t.url, 'GET', '/socket.io/?EIO=4&transport=polling', { headers: origin }),
    ]) {
      assert.equal(response.headers['access-control-allow-origin'], undefined);
      assert.equal(response.headers['access-control-allow-credentials'], undefined);
    }
  });

  it('C1: a gateway refuses to start in production with the compose file’s old fallback secret', async () => {
    const result = await runGateway({ NODE_ENV: 'production', JWT_SECRET: 'change-me-in-production-please' });
    assert.notEqual(result.code, null, 'the gateway was still running after 10 s');
    assert.notEqual(result.code, 0);
    assert.match(result.output, /JWT_SECRET/);
  });
});

/**
 * Runs a gateway with `env` and no reachable database or Redis; resolves once it exits, or after
 * 10 s with code null (it is then stopped).
 */
async function runGateway(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const [port, metricsPort, deadPort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(process.execPath, [join(repoRoot, 'apps/gateway/dist/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      DATABASE_URL: `mysql://nobody@127.0.0.1:${deadPort}/none`,
      REDIS_URL: `redis://127.0.0.1:${deadPort}`,
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ code: null, output });
    }, 10_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}
