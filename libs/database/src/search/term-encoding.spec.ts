import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodePair, encodeTerm, inRoom, MAX_TERM_BYTES } from './term-encoding';

/** innodb_ft_min_token_size and innodb_ft_max_token_size, as both servers ship them. */
const MIN_TOKEN = 3;
const MAX_TOKEN = 84;
/** InnoDB's default stopwords (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD, the same on MariaDB). */
const STOPWORDS =
  'a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und the www';

describe('encodeTerm', () => {
  it('writes a letter for the kind and the hex of the UTF-8 bytes', () => {
    assert.equal(encodeTerm('word', 'hello'), 'w68656c6c6f');
    assert.equal(encodeTerm('cjk', '회의'), 'ced9a8cec9d98');
    assert.equal(encodePair('회', '의'), encodeTerm('cjk', '회의'));
  });

  it('scopes a term to a room', () => {
    assert.equal(inRoom(12, encodeTerm('word', 'hello')), 'r12w68656c6c6f');
  });

  it('gives what the built-in parser keeps whole: one word of letters and digits, 3 to 84 characters, never a stopword', () => {
    const stopwords = new Set(STOPWORDS.split(' '));
    for (const [kind, text] of [
      ['word', 'a'],
      ['word', 'the'],
      ['cjk', '요'],
      ['cjk', '𠀀𠀁'],
      ['word', 'é'.repeat(100)],
    ] as const) {
      for (const roomId of [1, 4_294_967_295]) {
        const encoded = inRoom(roomId, encodeTerm(kind, text));
        assert.match(encoded, /^r[0-9]+[wc][0-9a-f]+$/);
        assert.ok(encoded.length >= MIN_TOKEN && encoded.length <= MAX_TOKEN, encoded);
        assert.ok(!stopwords.has(encoded), encoded);
      }
    }
  });

  it('keeps prefixes: the encoding of a text starts the encoding of every text that starts with it', () => {
    assert.ok(encodeTerm('word', 'meeting').startsWith(encodeTerm('word', 'meet')));
    assert.ok(encodePair('회', '의').startsWith(encodeTerm('cjk', '회')));
  });

  it('cuts a long word to its first 36 bytes, between characters', () => {
    const encoded = encodeTerm('word', '가'.repeat(30));
    assert.equal(encoded, `w${Buffer.from('가'.repeat(12)).toString('hex')}`);
    assert.ok((encoded.length - 1) / 2 <= MAX_TERM_BYTES);
    assert.equal(encodeTerm('word', 'x'.repeat(60)), `w${'78'.repeat(MAX_TERM_BYTES)}`);
    assert.equal(encodeTerm('word', `${'x'.repeat(35)}é`), `w${'78'.repeat(35)}`, 'a character that does not fit whole is left out');
  });
});
