import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodeTerm, MAX_TERM_BYTES } from './term-encoding';

/** innodb_ft_min_token_size and innodb_ft_max_token_size, as both servers ship them. */
const MIN_TOKEN = 3;
const MAX_TOKEN = 84;
/** InnoDB's default stopwords (INFORMATION_SCHEMA.INNODB_FT_DEFAULT_STOPWORD, the same on MariaDB). */
const STOPWORDS =
  'a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und the www';

describe('encodeTerm', () => {
  it('writes a letter for the kind and the hex of the UTF-8 bytes', () => {
    assert.equal(encodeTerm({ kind: 'word', text: 'hello' }), 'w68656c6c6f');
    assert.equal(encodeTerm({ kind: 'cjk', text: '회의' }), 'ced9a8cec9d98');
  });

  it('gives what the built-in parser keeps whole: one word of letters and digits, 3 to 84 characters, never a stopword', () => {
    const stopwords = new Set(STOPWORDS.split(' '));
    for (const term of [
      { kind: 'word', text: 'a' },
      { kind: 'word', text: 'the' },
      { kind: 'cjk', text: '요' },
      { kind: 'cjk', text: '𠀀𠀁' },
      { kind: 'word', text: 'é'.repeat(100) },
    ] as const) {
      const encoded = encodeTerm(term);
      assert.match(encoded, /^[a-z][0-9a-f]+$/);
      assert.ok(encoded.length >= MIN_TOKEN && encoded.length <= MAX_TOKEN, encoded);
      assert.ok(!stopwords.has(encoded), encoded);
    }
  });

  it('keeps prefixes: the encoding of a text starts the encoding of every text that starts with it', () => {
    const meet = encodeTerm({ kind: 'word', text: 'meet' });
    assert.ok(encodeTerm({ kind: 'word', text: 'meeting' }).startsWith(meet));
    assert.ok(encodeTerm({ kind: 'cjk', text: '회의' }).startsWith(encodeTerm({ kind: 'cjk', text: '회' })));
  });

  it('cuts a long word to its first 41 bytes, between characters', () => {
    const encoded = encodeTerm({ kind: 'word', text: '가'.repeat(30) });
    assert.equal(encoded, `w${Buffer.from('가'.repeat(13)).toString('hex')}`);
    assert.ok((encoded.length - 1) / 2 <= MAX_TERM_BYTES);
    assert.equal(encodeTerm({ kind: 'word', text: 'x'.repeat(60) }), `w${'78'.repeat(MAX_TERM_BYTES)}`);
  });
});
