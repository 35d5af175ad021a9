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
 */

/** A character of a script without spaces between words (`ー` and `々` included: they are letters of those scripts). */
const CJK_CHAR = '(?=[\\p{L}\\p{N}\\p{M}])[\\p{scx=Han}\\p{scx=Hiragana}\\p{scx=Katakana}\\p{scx=Hangul}]';
const WORD_CHAR = `(?!${CJK_CHAR})[\\p{L}\\p{N}\\p{M}]`;
const SEGMENT = new RegExp(`(?<cjk>(?:${CJK_CHAR})+)|(?<word>(?:${WORD_CHAR})+)`, 'gu');

/** A run of one kind of text: a word, or a run of CJK characters. */
export interface Segment {
  kind: 'word' | 'cjk';
  text: string;
}

/** The form both sides compare: NFKC, lower case. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** The words and CJK runs of already normalised text, in order. */
export function segmentsOf(normalized: string): Segment[] {
  return [...normalized.matchAll(SEGMENT)].map((match) =>
    match.groups?.cjk ? { kind: 'cjk', text: match.groups.cjk } : { kind: 'word', text: match[0] },
  );
}

/** A term of the index: a word, or one or two CJK characters. */
export interface Term {
  kind: Segment['kind'];
  text: string;
}

/** The distinct terms a message is indexed under, in the order they first occur. */
export function documentTerms(content: string): Term[] {
  const terms = new Map<string, Term>();
  const add = (kind: Term['kind'], text: string) => terms.set(`${kind}:${text}`, { kind, text });
  for (const segment of segmentsOf(normalizeText(content))) {
    if (segment.kind === 'word') {
      add('word', segment.text);
      continue;
    }
    const chars = [...segment.text];
    for (const pair of pairsOf(chars)) add('cjk', pair);
    add('cjk', chars[chars.length - 1]);
  }
  return [...terms.values()];
}

/** Overlapping pairs of a run's characters (code points: a supplementary-plane Han character is one). */
export function pairsOf(chars: string[]): string[] {
  return chars.slice(1).map((char, i) => chars[i] + char);
}
