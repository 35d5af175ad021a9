import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runs } from './batch-writer';

describe('runs', () => {
  it('turns committed seqs into ranges of consecutive ones, whatever their order and repeats', () => {
    assert.deepEqual(runs([5, 1, 2, 3, 9, 10, 3, 7]), [
      [1, 3],
      [5, 5],
      [7, 7],
      [9, 10],
    ]);
    assert.deepEqual(runs([]), []);
  });
});
