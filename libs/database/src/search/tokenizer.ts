/**
 * How message text is cut into search terms, the same way when a message is indexed and when a
 * query is parsed. Text is NFKC-normalised and lower-cased first, so full-width `ＡＢＣ` and
 * half-width `ｶﾞ` match `abc` and `ガ`, and case never matters.
 *
 * Scripts written with spaces between words give words. Han, Hiragana, Katakana and Hangul are
 * written without reliable word boundaries (Korean spaces separate phrases, not words: `회의는`
 * is `회의` + a particle), so their runs give overlapping character pairs instead: `회의는` →
 * `회의`, `의는`. Any substring of two or more characters is then found by requiring all of its
 * pairs. The last character of each run is a term too, so a query of one character finds it
 * wherever it stands (as a term, or as the first half of a pair). Punctuation, symbols and emoji
 * separate terms and are not searchable.
 *
 * This runs in the worker's persistence transaction for every message, so it is a plain scan
 * over code points, each character's class looked up once (a regular expression over the same
 * classes took more than twice as long).
 */

/** A run of one kind of text: a word, or a run of CJK characters (as code points). */
export interface Segment {
  kind: 'word' | 'cjk';
  text: string;
  /** Where its UTF-8 bytes start in the UTF-8 of the text it was cut from. */
  byteOffset: number;
}

/** The form both sides compare: NFKC, lower case. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

const SEPARATOR = 0;
const WORD = 1;
const CJK = 2;
type CharClass = typeof SEPARATOR | typeof WORD | typeof CJK;

const LETTER = /[\p{L}\p{N}\p{M}]/u;
/** Script_Extensions, so that `ー` and `々` count as letters of those scripts. */
const CJK_SCRIPT = /[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}]/u;

/** Classes of the code points seen, bounded: text in every script at once cannot grow it without limit. */
const classes = new Map<number, CharClass>();
const CLASS_CACHE_MAX = 1 << 16;

function classOf(char: string, code: number): CharClass {
  if (code < 0x80) return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) ? WORD : SEPARATOR;
  let known = classes.get(code);
  if (known === undefined) {
    known = !LETTER.test(char) ? SEPARATOR : CJK_SCRIPT.test(char) ? CJK : WORD;
    if (classes.size >= CLASS_CACHE_MAX) classes.clear();
    classes.set(code, known);
  }
  return known;
}

/** The words and CJK runs of already normalised text, in order. */
export function segmentsOf(normalized: string): Segment[] {
  const segments: Segment[] = [];
  let start = 0;
  let startByte = 0;
  let bytes = 0;
  let current: CharClass = SEPARATOR;
  const close = (end: number) => {
    if (current !== SEPARATOR)
      segments.push({ kind: current === CJK ? 'cjk' : 'word', text: normalized.slice(start, end), byteOffset: startByte });
  };
  for (let i = 0; i < normalized.length;) {
    const code = normalized.codePointAt(i) ?? 0;
    const width = code > 0xffff ? 2 : 1;
    const kind = classOf(normalized.slice(i, i + width), code);
    if (kind !== current) {
      close(i);
      current = kind;
      start = i;
      startByte = bytes;
    }
    i += width;
    bytes += utf8Length(code);
  }
  close(normalized.length);
  return segments;
}

/** How many bytes UTF-8 takes for a code point. */
export function utf8Length(code: number): number {
  return code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
}
