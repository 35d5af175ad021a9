import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor';

describe('search cursor', () => {
  const id = '01J9Z3K8Q4W5X6Y7Z8A9B0C1D2';

  it('round-trips a message id and reads as nothing in particular', () => {
    const cursor = encodeSearchCursor(id);
    assert.doesNotMatch(cursor, /01J9Z3/);
    assert.equal(decodeSearchCursor(cursor), id);
  });

  it('refuses anything it did not make', () => {
    const cursor = encodeSearchCursor(id);
    for (const bad of [
      '',
      'abc',
      id,
      `${cursor}A`,
      `${cursor}=`,
      `!${cursor}`,
      encodeSearchCursor('01J9Z3K8Q4W5X6Y7Z8A9B0C1DU'),
      encodeSearchCursor('x'.repeat(26)),
    ]) {
      assert.equal(decodeSearchCursor(bad), undefined, bad);
    }
  });
});
