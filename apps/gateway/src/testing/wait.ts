import { setTimeout as sleep } from 'node:timers/promises';

/** Resolves once `check` holds, polling: what crosses Redis pub/sub arrives a little later. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
