import type { StoredMessage } from '@chat/contracts';

/**
 * One page from MySQL's rows and Redis's not-yet-persisted messages of the same seq range, each
 * already the first `limit` of its source in `order`: the union's first `limit` is then exact.
 * Where both hold a seq, the row wins (it is the record, and knows about deletions).
 */
export function mergePages(rows: StoredMessage[], recent: StoredMessage[], order: 'asc' | 'desc', limit: number): StoredMessage[] {
  const bySeq = new Map<number, StoredMessage>();
  for (const message of recent) bySeq.set(message.seq, message);
  for (const row of rows) bySeq.set(row.seq, row);
  const sign = order === 'asc' ? 1 : -1;
  return [...bySeq.values()].sort((a, b) => sign * (a.seq - b.seq)).slice(0, limit);
}
