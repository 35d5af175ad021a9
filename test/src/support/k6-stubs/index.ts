// `k6`: checks run their functions, as k6 runs them, and are counted by name; nothing here sends anything.
type Tally = { passes: number; fails: number };

const key = Symbol.for('k6-stubs.checks');
const store = globalThis as { [key]?: Map<string, Tally> };

/** Passes and fails of every check since the process started, by name. */
export function checkResults(): Map<string, Tally> {
  return (store[key] ??= new Map<string, Tally>());
}

export function check<T>(value: T, sets: Record<string, (value: T) => boolean>): boolean {
  let all = true;
  for (const [name, test] of Object.entries(sets)) {
    const ok = test(value);
    const tally = checkResults().get(name) ?? { passes: 0, fails: 0 };
    if (ok) tally.passes++;
    else tally.fails++;
    checkResults().set(name, tally);
    all &&= ok;
  }
  return all;
}

export function fail(message?: string): never {
  throw new Error(message);
}

export function group<T>(_name: string, fn: () => T): T {
  return fn();
}

export function sleep(): void {}
