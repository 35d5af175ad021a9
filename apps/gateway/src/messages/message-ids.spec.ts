import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { messageIdFactory } from './message-ids';

const CROCKFORD = /^[0-9A-HJKMNP-TV-Z]{26}$/;

describe('messageIdFactory', () => {
  it('makes distinct ULIDs in increasing order, across pool refills', () => {
    const next = messageIdFactory();
    const ids = Array.from({ length: 2_000 }, () => next());
    for (const id of ids) assert.match(id, CROCKFORD);
    assert.equal(new Set(ids).size, ids.length);
    assert.deepEqual([...ids].sort(), ids);
  });

  it('draws the random part from the pool: two factories in the same millisecond differ', () => {
    const a = messageIdFactory()();
    const b = messageIdFactory()();
    assert.notEqual(a.slice(10), b.slice(10));
  });
});
