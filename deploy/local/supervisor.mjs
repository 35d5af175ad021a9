// @ts-check
// Runs the cluster's processes the way an orchestrator would: each one's log lines carry its
// name, a process that dies unexpectedly is restarted with backoff (and the log says so), and
// stop() ends them all with SIGTERM, then SIGKILL after a grace period.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const colors = [36, 33, 35, 32, 34, 91, 96, 93];

/**
 * @typedef {{ command: string, args: string[], env?: Record<string, string>, cwd?: string, restart?: boolean }} ProcessSpec
 * @typedef {{ code: number | null, signal: NodeJS.Signals | null }} ProcessExit
 * @typedef {{
 *   spec: ProcessSpec, child: import('node:child_process').ChildProcess | null, restarts: number, wanted: boolean,
 *   color: number, startedAt: number, timer?: NodeJS.Timeout
 * }} Entry
 */

export class Supervisor {
  /** @param {{ log?: (line: string) => void, graceMs?: number }} [options] */
  constructor({ log = (line) => process.stdout.write(`${line}\n`), graceMs = 12_000 } = {}) {
    this.log = log;
    this.graceMs = graceMs;
    /** @type {Map<string, Entry>} */
    this.procs = new Map();
  }

  /**
   * @param {string} name
   * @param {ProcessSpec} spec
   */
  start(name, spec) {
    /** @type {Entry} */
    const entry = { spec, child: null, restarts: 0, wanted: true, color: colors[this.procs.size % colors.length], startedAt: 0 };
    this.procs.set(name, entry);
    this.#spawn(name, entry);
  }

  /**
   * @param {string} name
   * @param {Entry} entry
   */
  #spawn(name, entry) {
    const { command, args, env = {}, cwd } = entry.spec;
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    entry.child = child;
    entry.startedAt = Date.now();
    const prefix = `\x1b[${entry.color}m[${name}]\x1b[0m `;
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => this.log(prefix + line));
    }
    child.on('exit', (code, signal) => {
      entry.child = null;
      if (!entry.wanted) return;
      if (entry.spec.restart === false) {
        this.log(`${prefix}exited (${signal ?? code}); not restarted`);
        return;
      }
      // A process that ran for a while gets a fresh backoff; one that crash-loops waits longer.
      if (Date.now() - entry.startedAt > 30_000) entry.restarts = 0;
      const delay = Math.min(500 * 2 ** entry.restarts, 15_000);
      entry.restarts += 1;
      this.log(`${prefix}exited (${signal ?? code}); restart #${entry.restarts} in ${delay} ms`);
      entry.timer = setTimeout(() => entry.wanted && this.#spawn(name, entry), delay);
    });
  }

  /** @param {string} name */
  pid(name) {
    return this.procs.get(name)?.child?.pid;
  }

  /**
   * Sends a signal to one process; the supervisor restarts it if it dies (like `kill -9` under compose).
   * @param {string} name
   * @param {NodeJS.Signals} [signal]
   */
  signal(name, signal = 'SIGKILL') {
    this.procs.get(name)?.child?.kill(signal);
  }

  /**
   * Stops one process for good and waits for it to exit; resolves with how it exited (undefined if it was not running).
   * @param {string} name
   * @param {NodeJS.Signals} [signal]
   */
  async stopOne(name, signal = 'SIGTERM') {
    const entry = this.procs.get(name);
    if (!entry) return undefined;
    entry.wanted = false;
    clearTimeout(entry.timer);
    const child = entry.child;
    if (!child) return undefined;
    /** @type {Promise<ProcessExit>} */
    const exited = new Promise((resolve) => child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal })));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), this.graceMs);
    const exit = await exited;
    clearTimeout(timer);
    return exit;
  }

  /**
   * Starts again a process stopped with stopOne.
   * @param {string} name
   */
  resume(name) {
    const entry = this.procs.get(name);
    if (!entry || entry.child) return;
    entry.wanted = true;
    entry.restarts = 0;
    this.#spawn(name, entry);
  }

  async stopAll() {
    await Promise.all([...this.procs.keys()].map((name) => this.stopOne(name)));
  }
}
