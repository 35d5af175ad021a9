/**
 * How a term is written into the FULLTEXT column. InnoDB's built-in parser, the one parser that
 * MySQL 8.4 and MariaDB 10.11 both have, cuts text at anything but letters, digits and `_`, drops
 * words shorter than innodb_ft_min_token_size (3) or longer than innodb_ft_max_token_size (84)
 * and drops stopwords (`the`, `about`, …); it cannot cut CJK text at all. So each term is stored
 * as one ASCII word the parser keeps whole: `r`, the id of the message's room, a letter for the
 * term's kind, then the hex of its UTF-8 bytes (`회의` in room 12 → `r12ced9a8cec9d98`, `hello`
 * → `r12w68656c6c6f`). That is never shorter than 3 characters, never a stopword (no stopword
 * starts with `r` and a digit), and needs no server setting. The hex of a text is a prefix of
 * the hex of every text that starts with it, so `term*` still finds words by their beginning.
 *
 * Scoping every term to its room keeps each posting list to one room's messages: a search reads
 * the postings of the caller's rooms for its terms, however common a term is elsewhere, and the
 * index hands back only candidates the caller can see (a room token ANDed with the terms would
 * make every search read all of its rooms' messages).
 */

export type TermKind = 'word' | 'cjk';

export const kindLetter: Record<TermKind, string> = { word: 'w', cjk: 'c' };

/**
 * The most bytes of a term that fit in innodb_ft_max_token_size (84) after `r`, a room id of up to
 * 10 digits (INT UNSIGNED) and the kind letter.
 */
export const MAX_TERM_BYTES = 36;

/** The term of the index for `term` (encodeTerm, encodePair) in a room. */
export function inRoom(roomId: number, term: string): string {
  return `r${roomId}${term}`;
}

/**
 * A term not yet scoped to a room: its kind letter and hex. A longer word is indexed (and looked
 * up) by its first 36 bytes, cut between characters, so it is still found; the exact check on the
 * candidates tells such words apart.
 */
export function encodeTerm(kind: TermKind, text: string): string {
  let hex = kindLetter[kind];
  for (const char of text) {
    const bytes = hexOf(char);
    if (hex.length - 1 + bytes.length > 2 * MAX_TERM_BYTES) break;
    hex += bytes;
  }
  return hex;
}

/** A CJK pair's term from its two characters. */
export function encodePair(first: string, second: string): string {
  return kindLetter.cjk + hexOf(first) + hexOf(second);
}

const ASCII_HEX = Array.from({ length: 0x80 }, (_, code) => code.toString(16).padStart(2, '0'));
/** The hex of the characters seen, bounded like the tokenizer's classes. */
const nonAscii = new Map<string, string>();
const HEX_CACHE_MAX = 1 << 16;

/** The hex of one character's UTF-8 bytes. */
function hexOf(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x80) return ASCII_HEX[code];
  let hex = nonAscii.get(char);
  if (hex === undefined) {
    hex = Buffer.from(char, 'utf8').toString('hex');
    if (nonAscii.size >= HEX_CACHE_MAX) nonAscii.clear();
    nonAscii.set(char, hex);
  }
  return hex;
}
