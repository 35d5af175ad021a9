// @ts-check
// `npm test`: from a fresh clone, installs what the suites need (npm packages; nginx and
// docker-compose and chromium from Debian's packages when missing), makes MariaDB and Redis reachable,
// checks (format, lint, types), builds, type-checks the k6 scripts, and runs the unit, integration and end-to-end suites with node's test runner.
// Every suite that starts the cluster uses its own database, Redis and key prefix, and removes them.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** @param {string} line */
const log = (line) => process.stdout.write(`[test] ${line}\n`);
/**
 * @param {string} command
 * @param {string[]} args
 */
const run = (command, args) => execFileSync(command, args, { cwd: root, stdio: 'inherit' });

/**
 * @param {string} dir
 * @param {string} suffix
 * @returns {string[]}
 */
function files(dir, suffix) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (name === 'node_modules') return [];
    return statSync(path).isDirectory() ? files(path, suffix) : path.endsWith(suffix) ? [path] : [];
  });
}

async function main() {
  const { aptInstall, ensureTestServices, findBinary, installDependencies } = await import('./services.mjs');
  installDependencies(root, log);
  if (!findBinary('docker-compose')) aptInstall(['docker-compose'], log);
  // The web client's browser suite drives Debian's Chromium (playwright-core downloads no browser).
  if (!findBinary('chromium')) aptInstall(['chromium'], log);
  await ensureTestServices(root, log);

  // Formatting, lint (with the gateway's import layers and no cycles) and types, before any suite.
  log('check');
  run('npm', ['run', 'check', '--silent']);
  log('build');
  run('npm', ['run', 'build', '--silent']);
  // The suites do not run the k6 scripts (that takes k6 and a target); type-checking them against
  // @types/k6 keeps them in step with k6's API.
  log('type-check loadtest/ (k6 scripts)');
  run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'loadtest/tsconfig.json']);

  const unit = ['libs', 'apps'].flatMap((top) =>
    readdirSync(join(root, top)).flatMap((pkg) => files(join(root, top, pkg, 'dist'), '.spec.js')),
  );
  const suites = files(join(root, 'test/dist'), '.test.js');
  log(`${unit.length} unit files, ${suites.length} integration/end-to-end files`);
  const child = spawn(process.execPath, ['--test', ...unit, ...suites], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

main().catch((error) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
