import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type { Pool, RowDataPacket } from 'mysql2/promise';

/** A process whose CPU and memory the report accounts for, under a group such as `gateways`. */
export interface ProcRef {
  group: string;
  name: string;
  pid: number;
}

/** Where the processes of a system are found at a given moment (a supervisor may have restarted one). */
export type ProcLister = () => Promise<ProcRef[]>;

const clockTicks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime in seconds, or undefined when the process is gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

/** Resident set size in bytes, or undefined when the process is gone. */
export function rssBytes(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Direct children of `pid` (nginx's workers under its master). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return children;
}

/** An nginx master and its workers, all in the `nginx` group. */
export function nginxProcs(masterPid: number | undefined): ProcRef[] {
  if (!masterPid) return [];
  return [masterPid, ...childrenOf(masterPid)].map((pid, i) => ({ group: 'nginx', name: i === 0 ? 'nginx master' : `nginx worker`, pid }));
}

/**
 * The MariaDB server behind `db`: its pid file says which one it is, which matters on a machine
 * where test suites run private mariadbd instances next to the shared one.
 */
export async function mariadbPid(db: Pool): Promise<number | undefined> {
  try {
    const [rows] = await db.query<RowDataPacket[]>('SELECT @@pid_file AS file');
    const file = String(rows[0]?.file ?? '');
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid > 0) return pid;
  } catch {
    // unreadable pid file: fall back to the process name
  }
  for (const name of ['mariadbd', 'mysqld']) {
    try {
      const pids = execFileSync('pgrep', ['-x', name], { encoding: 'utf8' }).trim().split('\n').map(Number);
      // A private instance is started with --datadir; the system one usually is not.
      const shared = pids.find((pid) => !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--datadir='));
      if (shared ?? pids[0]) return shared ?? pids[0];
    } catch {
      // not found under this name
    }
  }
  return undefined;
}

/** Busy and total CPU time of the whole machine, to tell our load from everyone else's. */
function machineTicks(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((sum, v) => sum + v, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: (total - idle) / clockTicks, total: total / clockTicks };
}

export interface CpuUsage {
  /** CPU seconds per process over the window. */
  byProc: { ref: ProcRef; seconds: number }[];
  /** CPU seconds of the generator (this process). */
  generator: number;
  /** Cores busy on the whole machine, everyone's processes included. */
  machineCores: number;
  wallSeconds: number;
}

/** CPU over a window: start() at its beginning, stop() at its end. */
export class CpuMeter {
  private startTicks = new Map<number, number>();
  private refs: ProcRef[] = [];
  private startedAt = 0;
  private startGenerator = process.cpuUsage();
  private startMachine = machineTicks();

  constructor(private readonly list: ProcLister) {}

  /** Finds the processes ahead of time: listing them scans /proc, too slow for the window's edge. */
  async prepare(): Promise<void> {
    this.refs = await this.list();
  }

  start(): void {
    this.startTicks = new Map(this.refs.map((ref) => [ref.pid, cpuSeconds(ref.pid) ?? 0]));
    this.startGenerator = process.cpuUsage();
    this.startMachine = machineTicks();
    this.startedAt = performance.now();
  }

  stop(): CpuUsage {
    const wallSeconds = (performance.now() - this.startedAt) / 1000;
    const generator = process.cpuUsage(this.startGenerator);
    const machine = machineTicks();
    return {
      byProc: this.refs.map((ref) => ({ ref, seconds: Math.max(0, (cpuSeconds(ref.pid) ?? 0) - (this.startTicks.get(ref.pid) ?? 0)) })),
      generator: (generator.user + generator.system) / 1e6,
      machineCores: (machine.busy - this.startMachine.busy) / Math.max(wallSeconds, 1e-3),
      wallSeconds,
    };
  }
}

/** CPU seconds per group, the generator included. */
export function cpuByGroup(usage: CpuUsage): Map<string, number> {
  const groups = new Map<string, number>();
  for (const { ref, seconds } of usage.byProc) groups.set(ref.group, (groups.get(ref.group) ?? 0) + seconds);
  groups.set('generator', usage.generator);
  return groups;
}

/** Total RSS of `pids`, averaged over a few samples because a Node heap breathes with each GC. */
export async function averageRss(pids: number[], samples = 5, everyMs = 200): Promise<number> {
  let sum = 0;
  for (let i = 0; i < samples; i++) {
    sum += pids.reduce((total, pid) => total + (rssBytes(pid) ?? 0), 0);
    if (i < samples - 1) await new Promise((done) => setTimeout(done, everyMs));
  }
  return sum / samples;
}

/** Waits until the listed processes (minus `ignoreGroups`) use under `cores` in total over half a second; false if they never do within `maxMs`. */
export async function waitQuiet(list: ProcLister, ignoreGroups: string[], cores: number, maxMs: number): Promise<boolean> {
  const deadline = performance.now() + maxMs;
  const refs = (await list()).filter((ref) => !ignoreGroups.includes(ref.group));
  const total = () => refs.reduce((sum, ref) => sum + (cpuSeconds(ref.pid) ?? 0), 0);
  for (;;) {
    const before = total();
    await new Promise((done) => setTimeout(done, 500));
    if ((total() - before) / 0.5 < cores) return true;
    if (performance.now() > deadline) return false;
  }
}
