// `npm run bench`: from a fresh clone, installs the npm packages if missing, makes nginx, MariaDB
// and Redis available as `npm test` does, builds, and runs the benchmark (test/src/bench) with the
// arguments given after `--`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const log = (line) => process.stdout.write(`[bench] ${line}\n`);
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });

async function main() {
  if (!existsSync(join(root, 'node_modules/.package-lock.json'))) {
    log('npm ci');
    run('npm', ['ci']);
  }
  const { ensureMysql, ensureNginx, ensureRedis } = await import('./services.mjs');
  ensureNginx(log);
  const runDir = join(root, '.run');
  mkdirSync(runDir, { recursive: true });
  await ensureMysql(`${process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306'}/mysql`, { runDir, log });
  await ensureRedis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { runDir, log });
  log('build');
  run('npm', ['run', 'build', '--silent']);
  const child = spawn(process.execPath, [join(root, 'test/dist/bench/main.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((error) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
