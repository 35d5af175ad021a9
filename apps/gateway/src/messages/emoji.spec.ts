import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emojiProblem } from './emoji';

describe('emojiProblem', () => {
  it('accepts one emoji grapheme of any shape', () => {
    for (const emoji of ['👍', '❤️', '👍🏽', '👨‍👩‍👧‍👦', '🇰🇷', '1️⃣', '🏳️‍🌈', '🏴󠁧󠁢󠁳󠁣󠁴󠁿', '☺']) {
      assert.equal(emojiProblem(emoji), undefined, emoji);
    }
  });

  it('refuses text, two emoji, an empty string and a non-string', () => {
    for (const value of ['a', '1', ' ', '', '👍👍', '👍 ', 'ok👍', '가', '\u200d', 42, null]) {
      assert.match(emojiProblem(value) ?? '', /emoji/, String(value));
    }
  });
});
