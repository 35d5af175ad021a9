import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toErrorBody } from '../common/app-error';
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

describe('RoomRefPipe: the payload rules of every event', () => {
  const pipe = new RoomRefPipe();
  let deep: unknown = 7;
  for (let i = 0; i < 20_000; i++) deep = { room: deep };
  for (const [name, bad, message] of [
    ['20,000 levels of { room }', deep, /nested deeper than 16 levels/],
    ['20,000 levels of arrays', JSON.parse(`${'['.repeat(20_000)}7${']'.repeat(20_000)}`) as unknown, /nested deeper than 16 levels/],
    ['a lone surrogate in a key', { '\uD800': 7 }, /well-formed UTF-16/],
    ['a lone surrogate in a string', 'x\uDC00', /well-formed UTF-16/],
    ['an own __proto__ key', JSON.parse('{"__proto__":7}') as unknown, /__proto__ should not exist/],
  ] as const) {
    it(`refuses ${name} as VALIDATION_FAILED`, () => {
      assert.throws(
        () => pipe.transform(bad),
        (error: unknown) => toErrorBody(error).code === 'VALIDATION_FAILED' && message.test(toErrorBody(error).message),
      );
    });
  }
});
