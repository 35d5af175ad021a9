import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertByteRange, assertObjectKey } from './object-key';

describe('assertObjectKey', () => {
  it('accepts the keys attachments use, up to 256 characters', () => {
    for (const key of ['attachments/01JABCDEF/original', 'attachments/01JABCDEF/thumbnail', 'a', 'A-z_0.9/x..y', `a${'b'.repeat(255)}`]) {
      assert.doesNotThrow(() => assertObjectKey(key), key);
    }
  });

  it('refuses what could leave the directory, or name it differently on each driver', () => {
    const refused = [
      '',
      '/abs',
      '../x',
      'a/../../b',
      'a/..',
      'a/./b',
      'a//b',
      'a/',
      '.x',
      '-x',
      'a\\b',
      'a b',
      'a\nb',
      'a\0',
      'é',
      `a${'b'.repeat(256)}`,
    ];
    for (const key of refused) assert.throws(() => assertObjectKey(key), { message: `invalid object key ${JSON.stringify(key)}` }, key);
  });
});

describe('assertByteRange', () => {
  it('accepts inclusive ranges of whole bytes', () => {
    for (const [start, end] of [
      [0, 0],
      [0, 9],
      [5, 2 ** 40],
    ]) {
      assert.doesNotThrow(() => assertByteRange({ start, end }));
    }
  });

  it('refuses negative, reversed and fractional ranges', () => {
    for (const [start, end] of [
      [-1, 3],
      [4, 3],
      [0.5, 3],
      [0, Number.NaN],
      [0, Infinity],
    ]) {
      assert.throws(() => assertByteRange({ start, end }), RangeError);
    }
  });
});
