import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from './support/ports';
import { repoRoot } from './support/test-cluster';
import { eventually } from './support/wait';

const asRoot = process.getuid?.() === 0;

/**
 * `npm start` from a clone that only its owner may enter, as root makes one under /root (0700):
 * nginx's workers must still read the web client and buffer large bodies under the checkout.
 * Run by anyone but root, the workers are the owner and the case cannot arise.
 */
describe(
  'the local nginx, in a checkout only its owner may enter',
  { skip: !asRoot && 'only root drops nginx workers to another user', timeout: 60_000 },
  () => {
    const home = mkdtempSync(join(tmpdir(), 'chat-web-0700-'));
    const checkout = join(home, 'clone');
    let nginx: ChildProcess | undefined;
    let origin: string;

    before(async () => {
      const { localNginxConf, prepareNginxRunDir } = await import('../../deploy/local/cluster.mjs');
      const { findBinary } = await import('../../deploy/local/services.mjs');
      chmodSync(home, 0o700);
      assert.equal(statSync(home).mode & 0o777, 0o700);
      // The built client where a clone has it, and nginx's files where the launcher puts them (.run/nginx).
      cpSync(join(repoRoot, 'apps/web/dist'), join(checkout, 'apps/web/dist'), { recursive: true });
      const runDir = join(checkout, '.run/nginx');
      mkdirSync(runDir, { recursive: true });
      prepareNginxRunDir(runDir, join(checkout, '.run'));
      const port = await freePort();
      // A replica nobody listens on: what reaches the API gets 502 from nginx itself.
      const replicas = [{ name: 'gateway-1', port: await freePort() }];
      writeFileSync(
        join(runDir, 'nginx.conf'),
        localNginxConf({ httpPort: port, runDir, webRoot: join(checkout, 'apps/web/dist'), replicas }),
      );
      nginx = spawn(findBinary('nginx') ?? 'nginx', ['-p', runDir, '-c', join(runDir, 'nginx.conf'), '-g', 'daemon off;'], {
        stdio: 'ignore',
      });
      origin = `http://127.0.0.1:${port}`;
      await eventually('nginx to listen', async () => (await fetch(`${origin}/health/live`).catch(() => undefined)) !== undefined);
    });

    after(async () => {
      if (nginx && nginx.exitCode === null) {
        const exited = new Promise((done) => nginx?.once('exit', done));
        nginx.kill('SIGTERM');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    });

    it('serves index.html and its assets', async () => {
      const index = await fetch(`${origin}/`);
      assert.equal(index.status, 200);
      const html = await index.text();
      assert.match(html, /<div id="root"><\/div>/);
      const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, 'index.html loads a bundled script');
      assert.equal((await fetch(`${origin}${script}`)).status, 200);
    });

    it('buffers a body larger than memory holds to its temp directory under the checkout', async () => {
      // 64 KiB: past nginx's 16 KB in-memory buffer. A temp directory nginx cannot write answers 500;
      // a buffered body goes on to the (absent) replica: 502.
      const answer = await fetch(`${origin}/rooms`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: 'x'.repeat(64 * 1024),
      });
      assert.equal(answer.status, 502);
    });
  },
);
