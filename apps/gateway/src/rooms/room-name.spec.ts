import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatedRoomName } from './room-name';

const m = (userId: number, nickname: string) => ({ userId, nickname });

describe('generatedRoomName', () => {
  it('names the other members, not the viewer', () => {
    assert.equal(generatedRoomName([m(1, 'ann'), m(2, 'bob'), m(3, 'cy')], 1), 'bob, cy');
  });
  it('shortens long lists', () => {
    assert.equal(generatedRoomName([m(1, 'a'), m(2, 'b'), m(3, 'c'), m(4, 'd'), m(5, 'e')], 5), 'a, b, c and others');
  });
  it('falls back to the viewer alone, then to a placeholder', () => {
    assert.equal(generatedRoomName([m(1, 'ann')], 1), 'ann');
    assert.equal(generatedRoomName([], 1), 'Empty room');
  });
});
