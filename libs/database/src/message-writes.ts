import type { DataSource, EntityManager } from 'typeorm';
import { messagePreview, type PersistMessageJob } from '@chat/contracts';
import type { SearchIndexer } from './search';

export interface WriteOptions {
  /**
   * Indexes the messages for search in the same transaction (SEARCH_BACKEND), so a committed
   * message is searchable at once and a redelivered batch is indexed once; none: not indexed.
   */
  indexer?: SearchIndexer;
}

/**
 * How a message is persisted, by the worker in batches and by the gateway's baseline mode
 * (PERSISTENCE_MODE=direct) one at a time. One transaction writes the messages and moves each
 * touched room's denormalised last message forward, so the room list and the history never
 * disagree.
 *
 * Idempotent by construction: a redelivered job hits the primary key (message id) and changes
 * nothing, and a room's last message only moves to a higher seq, so batches that finish out of
 * order can never move it backwards.
 */
export async function writeMessages(db: DataSource, messages: PersistMessageJob[], options: WriteOptions = {}): Promise<void> {
  if (messages.length === 0) return;
  const latest = highestSeqPerRoom(messages);
  await db.transaction(async (tx) => {
    // Lock the rooms first, in id order. Otherwise two transactions on one room both take the
    // foreign-key check's shared lock on its row, then both ask for the exclusive one: a deadlock.
    await tx.query('SELECT id FROM rooms WHERE id IN (?) ORDER BY id FOR UPDATE', [latest.map((m) => m.roomId)]);
    await insertMessages(tx, messages);
    await linkAttachments(tx, messages);
    await recordMentions(tx, messages);
    await options.indexer?.index(tx, messages);
    await advanceRooms(tx, latest);
  });
}

async function insertMessages(tx: EntityManager, messages: PersistMessageJob[]): Promise<void> {
  const rows = messages.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  const values = messages.flatMap((m) => [
    m.id,
    m.roomId,
    m.seq,
    m.senderId,
    m.type,
    m.content,
    m.clientMsgId,
    m.attachments?.length ? JSON.stringify(m.attachments) : null,
    new Date(m.createdAt),
    m.replyTo ?? null,
    m.mentions?.length ? JSON.stringify(m.mentions) : null,
  ]);
  // ON DUPLICATE KEY (not INSERT IGNORE): only a repeat is skipped; any other error still fails the
  // batch. A repeat also never undoes what the gateway wrote to the row since (an edit, reactions).
  await tx.query(
    `INSERT INTO messages (id, room_id, seq, sender_id, type, content, client_msg_id, attachments, created_at, reply_to_id, mentions)
     VALUES ${rows}
     ON DUPLICATE KEY UPDATE id = id`,
    values,
  );
}

/**
 * Each attachment belongs to the message that used it from this commit on: what the orphan sweep
 * spares and what deleting the message takes down. A statement per batch, and none without attachments.
 */
async function linkAttachments(tx: EntityManager, messages: PersistMessageJob[]): Promise<void> {
  const links = messages.flatMap((m) => (m.attachments ?? []).map((a) => [a.id, m.id] as const));
  if (links.length === 0) return;
  await tx.query(`UPDATE attachments SET message_id = CASE id ${links.map(() => 'WHEN ? THEN ?').join(' ')} END WHERE id IN (?)`, [
    ...links.flat(),
    links.map(([id]) => id),
  ]);
}

/** A row per mentioned member, what their rooms' mention badges count; a repeat changes nothing. */
async function recordMentions(tx: EntityManager, messages: PersistMessageJob[]): Promise<void> {
  const rows = messages.flatMap((m) => (m.mentions ?? []).map((userId) => [userId, m.roomId, m.seq, m.id] as const));
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO message_mentions (user_id, room_id, seq, message_id) VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')}
     ON DUPLICATE KEY UPDATE message_id = message_id`,
    rows.flat(),
  );
}

/**
 * Every touched room in one statement (a statement per room made the round trips to MySQL the
 * worker's largest cost). The derived table of UNION ALL rows runs on MySQL 8 and MariaDB alike;
 * STRAIGHT_JOIN keeps the plan a primary-key lookup per row whatever the table's statistics say.
 */
async function advanceRooms(tx: EntityManager, latest: PersistMessageJob[]): Promise<void> {
  const rows = latest.map((_, i) =>
    i === 0 ? 'SELECT ? AS id, ? AS message_id, ? AS content, ? AS at, ? AS seq' : 'SELECT ?, ?, ?, ?, ?',
  );
  await tx.query(
    `UPDATE (${rows.join(' UNION ALL ')}) latest
       STRAIGHT_JOIN rooms r ON r.id = latest.id
        SET r.last_message_id = latest.message_id, r.last_message = latest.content,
            r.last_message_at = latest.at, r.last_seq = latest.seq
      WHERE r.last_seq < latest.seq`,
    latest.flatMap((m) => [m.roomId, m.id, messagePreview(m.content, m.attachments), new Date(m.createdAt), m.seq]),
  );
}

export function highestSeqPerRoom(messages: PersistMessageJob[]): PersistMessageJob[] {
  const latest = new Map<number, PersistMessageJob>();
  for (const message of messages) {
    const current = latest.get(message.roomId);
    if (!current || message.seq > current.seq) latest.set(message.roomId, message);
  }
  return [...latest.values()].sort((a, b) => a.roomId - b.roomId); // fixed lock order: no deadlocks between batches
}
