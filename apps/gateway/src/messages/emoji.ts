import { characterCount } from '../common/text';

/** message_reactions.emoji is VARCHAR(32): longer than any emoji sequence Unicode defines (a ZWJ family is 11). */
export const MAX_EMOJI_CODE_POINTS = 32;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });
/** A pictograph or a flag's regional indicator: what makes a grapheme an emoji. */
const EMOJI_PART = /\p{Extended_Pictographic}|\p{Regional_Indicator}/u;
/** Letters, digits, spaces and control characters never belong to one (but a keycap's digit). */
const NOT_EMOJI = /[\p{L}\p{N}\p{Z}\p{Cc}]/u;
const KEYCAP = /^[0-9#*]\ufe0f?\u20e3$/u;

/** Why `value` is not exactly one emoji grapheme, or undefined when it is. */
export function emojiProblem(value: unknown, property = 'emoji'): string | undefined {
  if (typeof value !== 'string' || value.length === 0) return `${property} must be one emoji`;
  const parts = [...graphemes.segment(value)];
  const emoji = KEYCAP.test(value) || (EMOJI_PART.test(value) && !NOT_EMOJI.test(value));
  if (parts.length !== 1 || characterCount(value) > MAX_EMOJI_CODE_POINTS || !emoji) {
    return `${property} must be exactly one emoji`;
  }
  return undefined;
}
