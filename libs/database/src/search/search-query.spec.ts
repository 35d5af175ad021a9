import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesExactly, parseQuery } from './search-query';
import { encodeTerm } from './term-encoding';

const word = (text: string) => encodeTerm({ kind: 'word', text });
const cjk = (text: string) => encodeTerm({ kind: 'cjk', text });

describe('parseQuery', () => {
  it('requires every pair of a CJK run, exactly', () => {
    assert.deepEqual(parseQuery('안녕'), { against: `+${cjk('안녕')}`, required: ['안녕'] });
    assert.deepEqual(parseQuery('회의실'), { against: `+${cjk('회의')} +${cjk('의실')}`, required: ['회의실'] });
  });

  it('asks for a word, or a single CJK character, as a prefix', () => {
    assert.deepEqual(parseQuery('Meet'), { against: `+${word('meet')}*`, required: ['meet'] });
    assert.deepEqual(parseQuery('회 의'), { against: `+${cjk('회')}* +${cjk('의')}*`, required: ['회', '의'] });
  });

  it('asks for a one-character word as a whole word', () => {
    assert.deepEqual(parseQuery('a b'), { against: `+${word('a')} +${word('b')}`, required: ['a', 'b'] });
  });

  it('mixes scripts, normalises like the index and asks for a repeated term once', () => {
    assert.deepEqual(parseQuery('ＺＯＯＭ으로 zoom'), { against: `+${word('zoom')}* +${cjk('으로')}`, required: ['zoom', '으로', 'zoom'] });
    assert.deepEqual(parseQuery('하하하하'), { against: `+${cjk('하하')}`, required: ['하하하하'] });
  });

  it('gives no expression for a query without searchable text', () => {
    assert.deepEqual(parseQuery('👍👍'), { against: null, required: [] });
    assert.deepEqual(parseQuery('?!'), { against: null, required: [] });
  });

  it('can never carry a boolean operator of its own into the expression', () => {
    const { against } = parseQuery('+hello -world "x" (y) ~z* <a >b @c');
    assert.match(against ?? '', /^(\+[a-z][0-9a-f]+\*? ?)+$/);
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

  it('compares normalised text, every part in any order', () => {
    assert.ok(matchesExactly('ＨＥＬＬＯ there, ｶﾞｷﾞ', parseQuery('ガギ hello')));
    assert.ok(!matchesExactly('hello there', parseQuery('hello 회의')));
  });
});
