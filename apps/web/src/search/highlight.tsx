import type { ReactNode } from 'react';

// Around the first match, this much of a long message is shown.
const EXCERPT_BEFORE = 40;
const EXCERPT_LENGTH = 160;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The query as typed and each of its words, longest first, case-insensitively; null for an empty query. */
function matcher(query: string): RegExp | null {
  const whole = query.trim();
  const terms = [...new Set([whole, ...whole.split(/\s+/)])].filter(Boolean).sort((a, b) => b.length - a.length);
  // `u` keeps case folding to single code points, so matches keep the text's own offsets.
  return terms.length ? new RegExp(`(${terms.map(escape).join('|')})`, 'giu') : null;
}

/** A long text cut to a window around its first match. */
export function excerpt(text: string, query: string): string {
  if (text.length <= EXCERPT_LENGTH) return text;
  const first = matcher(query)?.exec(text)?.index ?? 0;
  const start = Math.max(0, Math.min(first - EXCERPT_BEFORE, text.length - EXCERPT_LENGTH));
  const end = start + EXCERPT_LENGTH;
  return `${start > 0 ? '…' : ''}${text.slice(start, end)}${end < text.length ? '…' : ''}`;
}

/** `text` with every occurrence of the query (or of one of its words) marked. */
export function Highlight({ text, query }: { text: string; query: string }): ReactNode {
  const pattern = matcher(query);
  if (!pattern) return text;
  // Splitting on a capturing pattern puts the matches at the odd indexes.
  return text.split(pattern).map((part, i) => (i % 2 === 1 ? <mark key={i}>{part}</mark> : part));
}
