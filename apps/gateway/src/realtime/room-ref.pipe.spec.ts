import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoomRefPipe } from './room-ref.pipe';

describe('RoomRefPipe', () => {
  const pipe = new RoomRefPipe();
  it('accepts an id or { room }', () => {
    assert.equal(pipe.transform(7), 7);
    assert.equal(pipe.transform({ room: 7 }), 7);
  });
  for (const bad of [null, undefined, '7', 0, -1, 1.5, [7], {}, { room: '7' }, { room: 7, extra: 1 }, Number.MAX_VALUE, 2 ** 32]) {
    it(`refuses ${JSON.stringify(bad)}`, () => {
      assert.throws(() => pipe.transform(bad), /room id/);
    });
  }
});
