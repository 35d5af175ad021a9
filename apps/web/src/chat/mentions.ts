import { MAX_MENTIONS_PER_MESSAGE, type MemberView } from '@chat/contracts';

// A mention starts after a space or punctuation (not inside an email address) and ends where the nickname does.
const WORD = /[\p{L}\p{N}_]/u;
const PICKER_SIZE = 8;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The `@…` being typed just before the caret, if any: where it starts and what follows the `@`. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const match = /(?:^|[^\p{L}\p{N}_])@([^\s@]{0,32})$/u.exec(text.slice(0, caret));
  if (!match) return null;
  return { start: caret - match[1].length - 1, query: match[1] };
}

/** Members whose nickname matches what follows the `@`, those it starts with first. */
export function mentionCandidates(members: MemberView[], query: string, myId: number): MemberView[] {
  const q = query.toLocaleLowerCase();
  const others = members.filter((m) => m.userId !== myId && m.nickname.toLocaleLowerCase().includes(q));
  const starts = (m: MemberView) => (m.nickname.toLocaleLowerCase().startsWith(q) ? 0 : 1);
  return others.sort((a, b) => starts(a) - starts(b) || a.nickname.localeCompare(b.nickname)).slice(0, PICKER_SIZE);
}

/** Where `@nickname` stands in `text` as a whole word: [start, end) pairs, in order, not overlapping. */
function mentionSpans(text: string, nicknames: string[]): [number, number][] {
  if (nicknames.length === 0) return [];
  // Longest first, so `@anna` is not read as `@ann` followed by "a".
  const alternatives = [...new Set(nicknames)].sort((a, b) => b.length - a.length).map(escape);
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])@(?:${alternatives.join('|')})`, 'gu');
  const spans: [number, number][] = [];
  for (const match of text.matchAll(pattern)) {
    const end = match.index + match[0].length;
    if (!WORD.test(text.charAt(end))) spans.push([match.index, end]);
  }
  return spans;
}

/** The ids of the members `@mentioned` in `text`, as the message's `mentions`. */
export function mentionedIds(text: string, members: MemberView[], myId: number): number[] {
  const others = members.filter((m) => m.userId !== myId);
  const found = new Set(
    mentionSpans(
      text,
      others.map((m) => m.nickname),
    ).map(([start, end]) => text.slice(start + 1, end)),
  );
  return others
    .filter((m) => found.has(m.nickname))
    .map((m) => m.userId)
    .slice(0, MAX_MENTIONS_PER_MESSAGE);
}

/** `text` cut into plain runs and `@nickname` runs, for showing the mentions emphasised. */
export function splitMentions(text: string, nicknames: string[]): { text: string; mention: boolean }[] {
  const parts: { text: string; mention: boolean }[] = [];
  let at = 0;
  for (const [start, end] of mentionSpans(text, nicknames)) {
    if (start > at) parts.push({ text: text.slice(at, start), mention: false });
    parts.push({ text: text.slice(start, end), mention: true });
    at = end;
  }
  if (at < text.length) parts.push({ text: text.slice(at), mention: false });
  return parts;
}
