import type { DataSource } from 'typeorm';
import type { IndexedMessage, SearchIndexer } from './search-backend';

/** Messages looked at per transaction: a short lock on a few hundred index rows, next to the worker's batches. */
const CHUNK = 1_000;

/**
 * Indexes the messages stored before the index existed (or while SEARCH_BACKEND was `none`):
 * walks `messages` in primary-key order, a chunk per transaction, and indexes the live chat
 * messages that have no index row. Safe beside a running worker (indexing is idempotent) and
 * resumable: a second run only indexes what the first one missed. Returns how many it indexed.
 */
export async function backfillSearchIndex(
  db: DataSource,
  indexer: SearchIndexer,
  progress: (done: { scanned: number; indexed: number }) => void = () => undefined,
): Promise<number> {
  let after = '';
  let scanned = 0;
  let indexed = 0;
  for (;;) {
    const rows = await db.query<Record<string, unknown>[]>(
      `SELECT m.id, m.room_id, m.seq, m.type, m.content, m.deleted_at IS NULL AS live, s.message_id IS NOT NULL AS indexed
         FROM messages m
         LEFT JOIN message_search s ON s.message_id = m.id
        WHERE m.id > ?
        ORDER BY m.id
        LIMIT ?`,
      [after, CHUNK],
    );
    if (rows.length === 0) return indexed;
    after = String(rows[rows.length - 1].id);
    const missing: IndexedMessage[] = rows
      .filter((row) => Number(row.live) === 1 && Number(row.indexed) === 0 && row.type === 'chat')
      .map((row) => ({
        id: String(row.id),
        roomId: Number(row.room_id),
        seq: Number(row.seq),
        type: 'chat',
        content: String(row.content),
      }));
    if (missing.length > 0) indexed += await db.transaction((tx) => indexer.index(tx, missing));
    scanned += rows.length;
    progress({ scanned, indexed });
  }
}
