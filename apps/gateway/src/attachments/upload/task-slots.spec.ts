import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { taskSlots } from './task-slots';

/** Runs `count` tasks through slots of `size`; what ran at once at most, and the order they started in. */
async function run(size: number, count: number) {
  const slot = taskSlots(size);
  let running = 0;
  let most = 0;
  const started: number[] = [];
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      slot(async () => {
        started.push(i);
        most = Math.max(most, ++running);
        await sleep(5);
        running--;
        if (i === 1) throw new Error('task 1 failed');
        return i;
      }).catch((error: Error) => error.message),
    ),
  );
  return { most, started, results };
}

describe('taskSlots', () => {
  it('runs one task at a time, in order, a failure freeing its slot', async () => {
    const { most, started, results } = await run(1, 4);
    assert.equal(most, 1);
    assert.deepEqual(started, [0, 1, 2, 3]);
    assert.deepEqual(results, [0, 'task 1 failed', 2, 3]);
  });

  it('runs up to its size at once', async () => {
    assert.equal((await run(2, 6)).most, 2);
  });
});
