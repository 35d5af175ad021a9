import type { EntityManager } from 'typeorm';
import type { IndexedMessage, SearchIndexer } from './search-backend';
import { documentTerms } from './document-terms';

/**
 * A statement's worth of index rows. A batch's rows normally go in one INSERT; only CJK-heavy
 * batches near the 4,000-character limit (a term of ~18 bytes per character) are split, so
 * a statement stays far below MariaDB's default max_allowed_packet (16 MB).
 */
const MAX_STATEMENT_TERM_BYTES = 4 * 1024 * 1024;

type IndexRow = [id: string, roomId: number, seq: number, terms: string];

/** The `message_search` row of a message, or null for one that is not searchable (a system note, no text). */
export function indexRowOf(message: IndexedMessage): IndexRow | null {
  if (message.type !== 'chat') return null;
  const terms = documentTerms(message.content, message.roomId);
  return terms === '' ? null : [message.id, message.roomId, message.seq, terms];
}

/**
 * The FULLTEXT index in MySQL itself: `message_search` (init.sql), one row per chat message,
 * its terms encoded as words InnoDB's built-in parser keeps whole (term-encoding.ts).
 */
export const mysqlSearchIndexer: SearchIndexer = { index, reindex, remove };

async function index(tx: EntityManager, messages: IndexedMessage[]): Promise<number> {
  const rows = messages.map(indexRowOf).filter((row) => row !== null);
  for (const part of statements(rows)) {
    // A redelivered batch repeats rows: they change nothing (an edit's newer terms included).
    await tx.query(
      `INSERT INTO message_search (message_id, room_id, seq, terms)
       VALUES ${part.map(() => '(?, ?, ?, ?)').join(', ')}
       ON DUPLICATE KEY UPDATE message_id = message_id`,
      part.flat(),
    );
  }
  return rows.length;
}

async function reindex(tx: EntityManager, messageId: string): Promise<void> {
  // FOR UPDATE: the newest text, and no concurrent edit can slip its terms in between.
  const rows = await tx.query<Record<string, unknown>[]>(
    'SELECT id, room_id, seq, type, content, deleted_at FROM messages WHERE id = ? FOR UPDATE',
    [messageId],
  );
  const row = rows[0];
  const indexed =
    row && row.deleted_at === null
      ? indexRowOf({
          id: String(row.id),
          roomId: Number(row.room_id),
          seq: Number(row.seq),
          type: row.type as IndexedMessage['type'],
          content: String(row.content),
        })
      : null;
  if (!indexed) return remove(tx, messageId);
  await tx.query(
    `INSERT INTO message_search (message_id, room_id, seq, terms) VALUES (?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE terms = ?`,
    [...indexed, indexed[3]],
  );
}

async function remove(tx: EntityManager, messageId: string): Promise<void> {
  await tx.query('DELETE FROM message_search WHERE message_id = ?', [messageId]);
}

function statements(rows: IndexRow[]): IndexRow[][] {
  const parts: IndexRow[][] = [];
  let bytes = Infinity;
  for (const row of rows) {
    if (bytes + row[3].length > MAX_STATEMENT_TERM_BYTES) {
      parts.push([]);
      bytes = 0;
    }
    parts[parts.length - 1].push(row);
    bytes += row[3].length;
  }
  return parts;
}
