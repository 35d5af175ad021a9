import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { againstIn, MAX_INDEX_TERMS, matchesExactly, parseQuery } from './search-query';
import { encodePair, encodeTerm } from './term-encoding';

const word = (text: string) => encodeTerm('word', text);
const cjk = (text: string) => encodeTerm('cjk', text);
const terms = (q: string) => parseQuery(q).terms.map(({ term, prefix }) => `${term}${prefix ? '*' : ''}`);

describe('parseQuery', () => {
  it('asks for every pair of a CJK run, exactly', () => {
    assert.deepEqual(terms('안녕'), [cjk('안녕')]);
    assert.deepEqual(terms('회의실'), [cjk('회의'), cjk('의실')]);
  });

  it('asks for a word, or a single CJK character, as a prefix', () => {
    assert.deepEqual(terms('Meet'), [`${word('meet')}*`]);
    assert.deepEqual(terms('회 의'), [`${cjk('회')}*`, `${cjk('의')}*`]);
  });

  it('asks for a one-character word as a whole word', () => {
    assert.deepEqual(terms('a b'), [word('a'), word('b')]);
  });

  it('mixes scripts, normalises like the index and asks for a repeated term once', () => {
    assert.deepEqual(terms('ＺＯＯＭ으로 zoom'), [`${word('zoom')}*`, cjk('으로')]);
    assert.deepEqual(terms('하하하하'), [cjk('하하')]);
  });

  it('gives no terms for a query without searchable text', () => {
    assert.deepEqual(terms('👍👍'), []);
    assert.deepEqual(terms('?!'), []);
  });

  it('sends at most 8 terms to the index, spread over the query, first and last included', () => {
    const long = '가나다라마바사아자차카타파하';
    const sent = terms(long);
    assert.equal(sent.length, MAX_INDEX_TERMS);
    assert.equal(sent[0], encodePair('가', '나'));
    assert.equal(sent[sent.length - 1], encodePair('파', '하'));
    assert.deepEqual(
      parseQuery(long).required.map((part) => part.text),
      [long],
      'the whole query is still checked',
    );
  });
});

describe('againstIn', () => {
  it('requires each term in any of the rooms', () => {
    assert.equal(
      againstIn(parseQuery('회의 meet'), [3, 41]),
      `+(r3${cjk('회의')} r41${cjk('회의')}) +(r3${word('meet')}* r41${word('meet')}*)`,
    );
  });

  it('can never carry a boolean operator of the query into the expression', () => {
    const against = againstIn(parseQuery('+hello -world "x" (y) ~z* <a >b @c'), [1]);
    assert.match(against, /^(\+\(r1[wc][0-9a-f]+\*?\) ?)+$/);
  });
});

describe('matchesExactly', () => {
  it('holds when the CJK run is there as written', () => {
    assert.ok(matchesExactly('회의실 예약했어요', parseQuery('회의실')));
    assert.ok(matchesExactly('내일 회의는 취소', parseQuery('회의')));
  });

  it('fails when the pairs are there but not side by side', () => {
    assert.ok(!matchesExactly('회의 끝나고 의실', parseQuery('회의실')));
  });

  it('holds a word to the start of a word, and a one-character word to a whole word', () => {
    assert.ok(matchesExactly('the meeting moved', parseQuery('meet')));
    assert.ok(!matchesExactly('the meeting moved', parseQuery('eeting')));
    assert.ok(matchesExactly('plan a trip', parseQuery('a plan')));
    assert.ok(!matchesExactly('another plan', parseQuery('a plan')));
  });

  it('tells apart long words the index cut to the same first bytes', () => {
    const stem = 'x'.repeat(40);
    assert.ok(!matchesExactly(`${stem}a`, parseQuery(`${stem}b`)));
  });

  it('compares normalised text, every part in any order', () => {
    assert.ok(matchesExactly('ＨＥＬＬＯ there, ｶﾞｷﾞ', parseQuery('ガギ hello')));
    assert.ok(!matchesExactly('hello there', parseQuery('hello 회의')));
  });
});
