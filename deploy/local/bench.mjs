// @ts-check
// `npm run bench`: from a fresh clone, installs the npm packages if missing, makes nginx, MariaDB
// and Redis available as `npm test` does, builds, and runs the benchmark (test/src/bench) with the
// arguments given after `--`. With `--connections <n>` it runs the connection-scale run instead
// (test/src/load/connections-main.ts: n sockets at rest, a message mix, a reconnect storm); with
// `--search`, the message-search run (test/src/bench/search-main.ts: a corpus of a million messages).
import { execFileSync, spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** @param {string} line */
const log = (line) => process.stdout.write(`[bench] ${line}\n`);
/**
 * @param {string} command
 * @param {string[]} args
 */
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });

async function main() {
  const { installDependencies, ensureTestServices } = await import('./services.mjs');
  installDependencies(root, log);
  await ensureTestServices(root, log);
  log('build');
  run('npm', ['run', 'build', '--silent']);
  const args = process.argv.slice(2);
  const entry = args.some((arg) => arg === '--connections' || arg.startsWith('--connections='))
    ? 'load/connections-main.js'
    : args.includes('--search')
      ? 'bench/search-main.js'
      : 'bench/main.js';
  const child = spawn(process.execPath, [join(root, 'test/dist', entry), ...args], { cwd: root, stdio: 'inherit' });
  for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((error) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
