import { encodePair, encodeTerm, inRoom } from './term-encoding';
import { normalizeText, type Segment, segmentsOf } from './tokenizer';

/**
 * A query as the index reads it. A message matches when every word of the query starts one of
 * its words (`meet` finds `meeting`; a one-character word finds only itself, or `a` would ask for
 * every word that starts with it) and every CJK run of the query appears in it as written (`회의`
 * finds `회의는 내일`), in any order. The FULLTEXT expression finds the candidates: every term
 * required, words and single CJK characters as prefixes. A run's pairs only say that each pair
 * occurs somewhere, so matchesExactly then checks the query on the candidate's text: `회의실`
 * must not match a message holding `회의` and `의실` apart.
 */
export interface ParsedQuery {
  /** Encoded terms for the index (not yet scoped to a room); empty when the query has no searchable text. */
  terms: { term: string; prefix: boolean }[];
  /** What a match holds: the query's words (as word beginnings, or whole for one character) and CJK runs. */
  required: Segment[];
}

/**
 * The most terms one query sends to the index: a long CJK query has a pair per character, and
 * each term is repeated for every room searched. Terms left out (spread evenly over the query)
 * are still checked on every candidate.
 */
export const MAX_INDEX_TERMS = 8;

export function parseQuery(q: string): ParsedQuery {
  const terms = new Map<string, boolean>();
  const required = segmentsOf(normalizeText(q));
  for (const segment of required) {
    const chars = [...segment.text];
    if (segment.kind === 'word') terms.set(encodeTerm('word', segment.text), chars.length > 1);
    else if (chars.length === 1) terms.set(encodeTerm('cjk', segment.text), true);
    else for (let i = 1; i < chars.length; i++) terms.set(encodePair(chars[i - 1], chars[i]), false);
  }
  const all = [...terms].map(([term, prefix]) => ({ term, prefix }));
  return { terms: spread(all, MAX_INDEX_TERMS), required };
}

/** The BOOLEAN MODE expression for these rooms: each term required, in any of the rooms. */
export function againstIn(query: ParsedQuery, roomIds: number[]): string {
  return query.terms
    .map(({ term, prefix }) => `+(${roomIds.map((roomId) => `${inRoom(roomId, term)}${prefix ? '*' : ''}`).join(' ')})`)
    .join(' ');
}

/** Whether a candidate found by the index really holds everything the query requires. */
export function matchesExactly(content: string, query: ParsedQuery): boolean {
  const text = normalizeText(content);
  const words = segmentsOf(text)
    .filter((segment) => segment.kind === 'word')
    .map((segment) => segment.text);
  return query.required.every((part) => {
    if (part.kind === 'cjk') return text.includes(part.text);
    return [...part.text].length === 1 ? words.includes(part.text) : words.some((word) => word.startsWith(part.text));
  });
}

/** At most `max` items, evenly spaced, the first and the last included. */
function spread<T>(items: T[], max: number): T[] {
  if (items.length <= max) return items;
  return Array.from({ length: max }, (_, i) => items[Math.round((i * (items.length - 1)) / (max - 1))]);
}
