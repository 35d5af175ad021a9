import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './test-cluster';

let binary: string | undefined;

/** Debian's promtool: where `npm test` put it (PROMTOOL), on PATH, or unpacked now into .run/tools. */
export async function promtool(): Promise<string> {
  if (binary) return binary;
  const services = (await import(join(repoRoot, 'deploy/local/services.mjs'))) as {
    ensurePromtool(runDir: string, log: (line: string) => void): string;
  };
  binary = process.env.PROMTOOL ?? services.ensurePromtool(join(repoRoot, '.run'), (line) => process.stderr.write(`${line}\n`));
  return binary;
}

/** `promtool <args>` with `input` on stdin: its exit status and everything it printed. */
export async function runPromtool(args: string[], input?: string): Promise<{ status: number | null; output: string }> {
  const result = spawnSync(await promtool(), args, { input, encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of an exposition (comments skipped); enough of the format for prom-client's output. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value!;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of the samples named `name` whose labels include `labels`, over every exposition given. */
export function total(expositions: Sample[][], name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const samples of expositions) {
    for (const sample of samples) {
      if (sample.name === name && Object.entries(labels).every(([k, v]) => sample.labels[k] === v)) sum += sample.value;
    }
  }
  return sum;
}
