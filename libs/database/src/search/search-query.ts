import { encodeTerm } from './term-encoding';
import { normalizeText, pairsOf, segmentsOf } from './tokenizer';

/**
 * A query as the index reads it. A message matches when every word of the query starts one of
 * its words (`meet` finds `meeting`; a one-character word finds only itself, or `a` would ask for
 * every word that starts with it) and every CJK run of the query appears in it as written (`회의`
 * finds `회의는 내일`), in any order. The FULLTEXT expression finds the candidates: every term
 * required, words and single CJK characters as prefixes. A run's pairs only say that each pair
 * occurs somewhere, so matchesExactly then checks the run itself on the candidate's text:
 * `회의실` must not match a message holding `회의` and `의실` apart.
 */
export interface ParsedQuery {
  /** BOOLEAN MODE expression; null when the query has no searchable text (only punctuation or emoji). */
  against: string | null;
  /** Normalised texts a match contains: the query's words and CJK runs. */
  required: string[];
}

export function parseQuery(q: string): ParsedQuery {
  const terms = new Set<string>();
  const required: string[] = [];
  for (const segment of segmentsOf(normalizeText(q))) {
    required.push(segment.text);
    const chars = [...segment.text];
    if (segment.kind === 'word') terms.add(`+${encodeTerm(segment)}${chars.length > 1 ? '*' : ''}`);
    else if (chars.length === 1) terms.add(`+${encodeTerm(segment)}*`);
    else for (const pair of pairsOf(chars)) terms.add(`+${encodeTerm({ kind: 'cjk', text: pair })}`);
  }
  return { against: terms.size === 0 ? null : [...terms].join(' '), required };
}

/** Whether a candidate found by the index really holds every text the query requires. */
export function matchesExactly(content: string, query: ParsedQuery): boolean {
  const text = normalizeText(content);
  return query.required.every((part) => text.includes(part));
}
