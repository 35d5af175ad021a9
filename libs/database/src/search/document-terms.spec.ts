import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { documentTerms } from './document-terms';
import { encodePair, encodeTerm, inRoom } from './term-encoding';
import { normalizeText, segmentsOf } from './tokenizer';

/** A message's terms in room 7, decoded back to `w:word` / `c:pair` (term-encoding.ts), in order. */
const terms = (content: string) => {
  const encoded = documentTerms(content, 7);
  return encoded === '' ? [] : encoded.split(' ').map((term) => `${term[2]}:${Buffer.from(term.slice(3), 'hex').toString('utf8')}`);
};
const segments = (text: string) => segmentsOf(normalizeText(text)).map((s) => `${s.kind}:${s.text}`);

describe('documentTerms', () => {
  it('cuts Hangul runs into overlapping pairs, plus the last syllable of each run', () => {
    assert.deepEqual(terms('안녕하세요'), ['c:안녕', 'c:녕하', 'c:하세', 'c:세요', 'c:요']);
    assert.deepEqual(terms('회의는 내일'), ['c:회의', 'c:의는', 'c:는', 'c:내일', 'c:일']);
  });

  it('gives a one-character run as itself', () => {
    assert.deepEqual(terms('네 좋아요'), ['c:네', 'c:좋아', 'c:아요', 'c:요']);
  });

  it('treats Han, Hiragana and Katakana (with ー and 々) as one run of pairs', () => {
    assert.deepEqual(terms('東京タワーへ'), ['c:東京', 'c:京タ', 'c:タワ', 'c:ワー', 'c:ーへ', 'c:へ']);
    assert.deepEqual(terms('人々'), ['c:人々', 'c:々']);
    assert.deepEqual(terms('我们开会'), ['c:我们', 'c:们开', 'c:开会', 'c:会']);
  });

  it('counts a supplementary-plane Han character as one character', () => {
    assert.deepEqual(terms('𠀀𠀁'), ['c:𠀀𠀁', 'c:𠀁']);
  });

  it('gives words for scripts written with spaces, lower-cased, across scripts', () => {
    assert.deepEqual(terms('Hello WORLD, Привет мир; café'), ['w:hello', 'w:world', 'w:привет', 'w:мир', 'w:café']);
  });

  it('splits mixed text where the script changes', () => {
    assert.deepEqual(segments('日本語とEnglish混在'), ['cjk:日本語と', 'word:english', 'cjk:混在']);
    assert.deepEqual(segments('회의3시에 Zoom으로'), ['cjk:회의', 'word:3', 'cjk:시에', 'word:zoom', 'cjk:으로']);
  });

  it('normalises with NFKC: full-width Latin and digits, half-width katakana', () => {
    assert.deepEqual(terms('ＡＢＣ１２３'), ['w:abc123']);
    assert.deepEqual(terms('ｶﾞｷﾞ'), ['c:ガギ', 'c:ギ']);
    assert.deepEqual(terms('ﬁle'), ['w:file']);
  });

  it('separates terms at punctuation, symbols and emoji, which are not terms', () => {
    assert.deepEqual(terms("don't stop-me... now!!"), ['w:don', 'w:t', 'w:stop', 'w:me', 'w:now']);
    assert.deepEqual(terms('좋아요👍👍최고'), ['c:좋아', 'c:아요', 'c:요', 'c:최고', 'c:고']);
    assert.deepEqual(terms('회의。내일、「오케이」'), ['c:회의', 'c:의', 'c:내일', 'c:일', 'c:오케', 'c:케이', 'c:이']);
    assert.deepEqual(terms('👍🎉 !!! ...'), []);
  });

  it('keeps combining marks inside their word', () => {
    assert.deepEqual(terms('नमस्ते दुनिया'), ['w:नमस्ते', 'w:दुनिया']);
  });

  it('lists each term once, in the order it first occurs', () => {
    assert.deepEqual(terms('ok OK ok 하하하하'), ['w:ok', 'c:하하', 'c:하']);
  });

  it('indexes a long word by its first 36 bytes', () => {
    assert.deepEqual(terms(`${'x'.repeat(200)} y`), [`w:${'x'.repeat(36)}`, 'w:y']);
  });

  it('scopes every term to the room, encoded as the query side encodes it', () => {
    const texts = ['안녕하세요 여러분', 'Hello WORLD café', '東京タワーへ', '𠀀𠀁 ｶﾞ', 'x'.repeat(50), `${'가'.repeat(20)}!`];
    for (const text of texts) {
      const expected = segmentsOf(normalizeText(text)).flatMap((segment) => {
        if (segment.kind === 'word') return [encodeTerm('word', segment.text)];
        const chars = [...segment.text];
        return [...chars.slice(1).map((char, i) => encodePair(chars[i], char)), encodeTerm('cjk', chars[chars.length - 1])];
      });
      assert.deepEqual(
        documentTerms(text, 4_294_967_295).split(' '),
        [...new Set(expected)].map((term) => inRoom(4_294_967_295, term)),
        text,
      );
    }
  });
});
