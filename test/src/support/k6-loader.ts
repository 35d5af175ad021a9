/**
 * A module hook (`module.register`) that lets Node import the k6 scripts: `k6` and `k6/<name>`
 * resolve to the stand-ins in ./k6-stubs, enough for a script's init code (options, metrics) to
 * run. A k6 module without a stand-in fails the import by name, so a new one is noticed.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

type Resolved = { url: string; shortCircuit?: boolean };
type NextResolve = (specifier: string, context: unknown) => Promise<Resolved>;

const stubs = join(__dirname, 'k6-stubs');

export async function resolve(specifier: string, context: unknown, nextResolve: NextResolve): Promise<Resolved> {
  const match = /^k6(?:\/(.+))?$/.exec(specifier);
  if (!match) return nextResolve(specifier, context);
  const file = join(stubs, `${(match[1] ?? 'index').replace(/\//g, '-')}.js`);
  if (!existsSync(file)) throw new Error(`no stand-in for "${specifier}": add one to test/src/support/k6-stubs`);
  return { url: pathToFileURL(file).href, shortCircuit: true };
}
