import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { mysqlSearchIndexer, type SearchIndexer, searchIndexerFor, writeMessages } from '@chat/database';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import {
  messagePreview,
  type ReactionCount,
  REPLY_EXCERPT_LENGTH,
  type ReplyRef,
  type MessageType,
  type PersistMessageJob,
  type SiteRole,
  type StoredAttachment,
  type StoredMessage,
} from '@chat/contracts';
import { ReplicaReads, UNSETTLED } from './replica-reads';

interface PageQuery {
  /** The member sees only messages after this seq (their invitation). */
  floor: number;
  before?: number;
  after?: number;
  limit: number;
}

@Injectable()
export class MessagesRepository {
  private readonly indexer?: SearchIndexer;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly reads: ReplicaReads,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.indexer = searchIndexerFor(config.search.backend);
  }

  /** Keyset pagination on (room_id, seq), on the primary: newest first, or oldest first after `after`. */
  page(roomId: number, query: PageQuery): Promise<StoredMessage[]> {
    return selectPage(this.db.manager, roomId, query);
  }

  /**
   * An older page (newest first, below `before`) from a replica, or undefined when the replica
   * cannot show it holds every row of it. A replica lags by an unknown amount, but a room's seqs
   * are dense (every seq is one stored message, deleted or not): the page is complete when the
   * replica's rows from the page's oldest seq up to `before` number exactly that many. A page
   * near the head, or across a seq that was never stored, is read from the primary instead.
   */
  async settledPage(roomId: number, query: PageQuery & { before: number }): Promise<StoredMessage[] | undefined> {
    const answer = await this.reads.tryReplica(async (replica) => {
      const rows = await selectPage(replica, roomId, query);
      // A short page reached the member's floor: the whole span above it must be there.
      const from = rows.length === query.limit ? (rows.at(-1)?.seq ?? query.before) : query.floor + 1;
      if (from >= query.before) return rows;
      const [span] = await replica.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM messages WHERE room_id = ? AND seq >= ? AND seq < ?', [
        roomId,
        from,
        query.before,
      ]);
      return Number(span?.n) === query.before - from ? rows : UNSETTLED;
    });
    return answer?.value;
  }

  /**
   * The baseline design (PERSISTENCE_MODE=direct): one transaction per message, written the way
   * the worker writes its batches. Not used in production mode.
   */
  insertNow(job: PersistMessageJob): Promise<void> {
    return writeMessages(this.db, [job], { indexer: this.indexer });
  }

  /** Whether a row with this id was written (deleted or not). */
  async exists(id: string): Promise<boolean> {
    const rows = await this.db.query<unknown[]>('SELECT 1 FROM messages WHERE id = ?', [id]);
    return rows.length > 0;
  }

  async findLive(id: string): Promise<StoredMessageRef | null> {
    const rows = await this.db.query<Record<string, unknown>[]>(
      'SELECT id, room_id, seq, sender_id, type FROM messages WHERE id = ? AND deleted_at IS NULL',
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: String(row.id),
      roomId: Number(row.room_id),
      seq: Number(row.seq),
      senderId: row.sender_id === null ? null : Number(row.sender_id),
      type: row.type as MessageType,
    };
  }

  /**
   * Replaces a live message's text, reindexes it for search, and renews its room's preview if it
   * is the room's last message, in one transaction. The message as it reads now, or null if it
   * was deleted meanwhile.
   */
  async edit(id: string, content: string): Promise<StoredMessage | null> {
    return this.db.transaction(async (tx) => {
      const result = await tx.query<{ affectedRows: number }>(
        'UPDATE messages SET content = ?, edited_at = UTC_TIMESTAMP(3) WHERE id = ? AND deleted_at IS NULL',
        [content, id],
      );
      if (result.affectedRows === 0) return null;
      // Whatever SEARCH_BACKEND says now, as softDelete does: an index row must not keep the old text.
      await mysqlSearchIndexer.reindex(tx, id);
      const [row] = await tx.query<Record<string, unknown>[]>(`SELECT ${MESSAGE_COLUMNS} FROM messages m ${MESSAGE_JOINS} WHERE m.id = ?`, [
        id,
      ]);
      const message = toChatMessage(row);
      await tx.query('UPDATE rooms SET last_message = ? WHERE id = ? AND last_message_id = ?', [
        messagePreview(message.content, message.attachments),
        message.roomId,
        id,
      ]);
      return message;
    });
  }

  /**
   * Messages as replies quote them now (the excerpt null once deleted), with the room each is in,
   * by id; ids not stored are left out.
   */
  async quotes(ids: string[]): Promise<Map<string, ReplyRef & { roomId: number }>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<Record<string, unknown>[]>(
      `SELECT id AS reply_id, room_id, seq AS reply_seq, sender_id AS reply_sender_id,
              IF(deleted_at IS NULL, LEFT(content, ?), NULL) AS reply_excerpt
         FROM messages WHERE id IN (?)`,
      [REPLY_EXCERPT_LENGTH, ids],
    );
    return new Map(rows.map((row) => [String(row.reply_id), { ...replyOf(row), roomId: Number(row.room_id) }]));
  }

  /**
   * Soft-deletes a message; if it was its room's last message, the room's preview falls back to
   * the newest remaining message. One transaction, so a room list never shows a deleted text.
   */
  async softDelete(message: Pick<StoredMessageRef, 'id' | 'roomId'>): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const result = await tx.query<{ affectedRows: number }>(
        'UPDATE messages SET deleted_at = UTC_TIMESTAMP(3) WHERE id = ? AND deleted_at IS NULL',
        [message.id],
      );
      if (result.affectedRows === 0) return false;
      // Whatever SEARCH_BACKEND says now: an index row written under `mysql` must not outlive its message.
      await mysqlSearchIndexer.remove(tx, message.id);
      // Nothing serves them from now on; the worker removes their objects.
      await tx.query('UPDATE attachments SET deleted_at = UTC_TIMESTAMP(3) WHERE message_id = ? AND deleted_at IS NULL', [message.id]);
      const [next] = await tx.query<Record<string, unknown>[]>(
        'SELECT id, content, attachments, created_at FROM messages WHERE room_id = ? AND deleted_at IS NULL ORDER BY seq DESC LIMIT 1',
        [message.roomId],
      );
      await tx.query(
        `UPDATE rooms SET last_message_id = ?, last_message = ?, last_message_at = COALESCE(?, last_message_at)
          WHERE id = ? AND last_message_id = ?`,
        [
          next ? next.id : null,
          next ? messagePreview(String(next.content), parseAttachments(next.attachments)) : null,
          next ? next.created_at : null,
          message.roomId,
          message.id,
        ],
      );
      return true;
    });
  }
}

export interface StoredMessageRef {
  id: string;
  roomId: number;
  seq: number;
  senderId: number | null;
  type: MessageType;
}

/**
 * The columns toChatMessage maps, from `messages m` and MESSAGE_JOINS: history and search select
 * the same ones, so a message reads the same wherever it is found.
 */
export const MESSAGE_COLUMNS = `m.id, m.seq, m.room_id, m.content, m.type, m.client_msg_id, m.attachments, m.created_at,
            m.edited_at, m.mentions, m.reactions,
            u.id AS sender_id, u.nickname AS sender_nickname, u.role AS sender_role,
            q.id AS reply_id, q.seq AS reply_seq, q.sender_id AS reply_sender_id,
            IF(q.deleted_at IS NULL, LEFT(q.content, ${REPLY_EXCERPT_LENGTH}), NULL) AS reply_excerpt`;

/** The sender, and the quoted message as it reads now (its excerpt is null once it is deleted). */
export const MESSAGE_JOINS = `LEFT JOIN users u ON u.id = m.sender_id
       LEFT JOIN messages q ON q.id = m.reply_to_id`;

export function toChatMessage(row: Record<string, unknown>): StoredMessage {
  const clientMsgId = row.client_msg_id as string | null;
  return {
    id: String(row.id),
    seq: Number(row.seq),
    roomId: Number(row.room_id),
    content: String(row.content),
    type: row.type as MessageType,
    sender:
      row.sender_id === null
        ? null
        : { id: Number(row.sender_id), nickname: String(row.sender_nickname), role: row.sender_role as SiteRole },
    createdAt: (row.created_at as Date).toISOString(),
    ...(clientMsgId ? { clientMsgId } : {}),
    attachments: parseAttachments(row.attachments),
    editedAt: row.edited_at ? (row.edited_at as Date).toISOString() : null,
    replyTo: row.reply_id ? replyOf(row) : null,
    mentions: parseJson<number[]>(row.mentions) ?? [],
    reactions: parseJson<ReactionCount[]>(row.reactions) ?? [],
  };
}

function replyOf(row: Record<string, unknown>): ReplyRef {
  return {
    id: String(row.reply_id),
    seq: Number(row.reply_seq),
    senderId: row.reply_sender_id === null ? null : Number(row.reply_sender_id),
    excerpt: row.reply_excerpt === null ? null : (row.reply_excerpt as string),
  };
}

function parseJson<T>(column: unknown): T | undefined {
  return typeof column === 'string' ? (JSON.parse(column) as T) : undefined;
}

/** The `attachments` column: a JSON array, or NULL for none. */
function parseAttachments(column: unknown): StoredAttachment[] {
  return parseJson<StoredAttachment[]>(column) ?? [];
}

async function selectPage(db: EntityManager, roomId: number, query: PageQuery): Promise<StoredMessage[]> {
  const ascending = query.after !== undefined;
  const lower = Math.max(query.floor, query.after ?? 0);
  const upper = query.before ?? Number.MAX_SAFE_INTEGER;
  const rows = await db.query<Record<string, unknown>[]>(
    `SELECT ${MESSAGE_COLUMNS}
       FROM messages m
       ${MESSAGE_JOINS}
      WHERE m.room_id = ? AND m.seq > ? AND m.seq < ? AND m.deleted_at IS NULL
      ORDER BY m.seq ${ascending ? 'ASC' : 'DESC'}
      LIMIT ?`,
    [roomId, lower, upper, query.limit],
  );
  return rows.map(toChatMessage);
}
