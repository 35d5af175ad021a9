import type { Term } from './tokenizer';

/**
 * How a term is written into the FULLTEXT column. InnoDB's built-in parser, the one parser that
 * MySQL 8.4 and MariaDB 10.11 both have, cuts text at anything but letters, digits and `_`, drops
 * words shorter than innodb_ft_min_token_size (3) or longer than innodb_ft_max_token_size (84)
 * and drops stopwords (`the`, `about`, …); it cannot cut CJK text at all. So each term is stored
 * as one ASCII word the parser keeps whole: a letter for its kind, then the hex of its UTF-8
 * bytes (`회의` → `ced9a8cec9d98`, `hello` → `w68656c6c6f`). That is never shorter than 3
 * characters, never a stopword (those are English words, and no stopword is a letter followed by
 * an even number of hex digits), and needs no server setting. The hex of a text is a prefix of
 * the hex of every text that starts with it, so `term*` still finds words by their beginning.
 */
const KIND_LETTER: Record<Term['kind'], string> = { word: 'w', cjk: 'c' };

/** The most bytes of a term that fit in innodb_ft_max_token_size (84) after its letter. */
export const MAX_TERM_BYTES = 41;

export function encodeTerm(term: Term): string {
  return KIND_LETTER[term.kind] + truncatedUtf8(term.text).toString('hex');
}

/**
 * A longer word is indexed (and looked up) by its first 41 bytes, cut between characters, so it
 * is still found; the exact check on the candidates tells such words apart.
 */
function truncatedUtf8(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= MAX_TERM_BYTES) return bytes;
  let end = MAX_TERM_BYTES;
  // UTF-8 continuation bytes are 10xxxxxx: back up to the start of the character that does not fit.
  while ((bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end);
}
