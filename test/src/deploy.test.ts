import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './support/test-cluster';

describe('deployment files', () => {
  it('docker-compose.yml passes `docker-compose config`', () => {
    const result = spawnSync('docker-compose', ['-f', join(repoRoot, 'docker-compose.yml'), 'config', '--quiet'], { encoding: 'utf8' });
    assert.equal(result.error, undefined, 'docker-compose is installed');
    assert.equal(result.status, 0, result.stderr);
  });

  it('nginx/compose.conf is what the renderer produces', async () => {
    const { renderComposeConf } = await import('../../nginx/render.mjs');
    assert.equal(readFileSync(join(repoRoot, 'nginx/compose.conf'), 'utf8'), renderComposeConf(), 'run `node nginx/render.mjs`');
  });

  it('the local nginx configuration passes `nginx -t`', async () => {
    const { renderNginxConf } = await import('../../nginx/render.mjs');
    const dir = mkdtempSync(join(tmpdir(), 'nginx-conf-'));
    try {
      const replicas = [1, 2, 3].map((i) => ({ id: `gateway-${i}`, address: `127.0.0.1:${3000 + i}` }));
      writeFileSync(join(dir, 'nginx.conf'), renderNginxConf({ listen: 18080, runDir: dir, replicas }));
      const result = spawnSync('nginx', ['-t', '-p', dir, '-c', join(dir, 'nginx.conf')], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
