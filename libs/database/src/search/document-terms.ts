import { inRoom, kindLetter, MAX_TERM_BYTES } from './term-encoding';
import { normalizeText, segmentsOf, utf8Length } from './tokenizer';

/**
 * The distinct terms a message is indexed under, encoded and scoped to its room
 * (term-encoding.ts), separated by spaces: its words, and for each CJK run its overlapping pairs
 * and its last character (tokenizer.ts), in the order they occur. This runs for every message the
 * worker stores, so the text is turned into hex once and every term is a slice of it;
 * term-encoding.ts encodes the same way one term at a time (the query side), and the tests hold
 * the two to each other.
 */
export function documentTerms(content: string, roomId: number): string {
  const text = normalizeText(content);
  const hex = Buffer.from(text, 'utf8').toString('hex');
  const room = inRoom(roomId, '');
  const seen = new Set<string>();
  let terms = '';
  // Words and CJK runs never share characters, so their hex alone tells terms apart.
  const add = (letter: string, from: number, to: number) => {
    const term = hex.slice(2 * from, 2 * to);
    if (seen.has(term)) return;
    seen.add(term);
    terms += `${terms === '' ? '' : ' '}${room}${letter}${term}`;
  };
  for (const segment of segmentsOf(text)) {
    if (segment.kind === 'word') {
      add(kindLetter.word, segment.byteOffset, segment.byteOffset + indexedBytes(segment.text));
      continue;
    }
    let previous = -1;
    let at = segment.byteOffset;
    for (const char of segment.text) {
      const end = at + utf8Length(char.codePointAt(0) ?? 0);
      if (previous >= 0) add(kindLetter.cjk, previous, end);
      previous = at;
      at = end;
    }
    add(kindLetter.cjk, previous, at);
  }
  return terms;
}

/** A word's bytes, or the first MAX_TERM_BYTES of them cut between characters. */
function indexedBytes(word: string): number {
  let bytes = 0;
  for (const char of word) {
    const next = bytes + utf8Length(char.codePointAt(0) ?? 0);
    if (next > MAX_TERM_BYTES) break;
    bytes = next;
  }
  return bytes;
}
