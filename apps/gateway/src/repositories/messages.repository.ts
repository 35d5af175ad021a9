import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { writeMessages } from '@chat/database';
import type { ChatMessage, MessageType, PersistMessageJob, SiteRole } from '@chat/contracts';

interface PageQuery {
  /** The member sees only messages after this seq (their invitation). */
  floor: number;
  before?: number;
  after?: number;
  limit: number;
}

@Injectable()
export class MessagesRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** Keyset pagination on (room_id, seq): newest first, or oldest first after `after`. */
  async page(roomId: number, query: PageQuery): Promise<ChatMessage[]> {
    const ascending = query.after !== undefined;
    const lower = Math.max(query.floor, query.after ?? 0);
    const upper = query.before ?? Number.MAX_SAFE_INTEGER;
    const rows = await this.db.query<Record<string, unknown>[]>(
      `SELECT m.id, m.seq, m.room_id, m.content, m.type, m.client_msg_id, m.created_at,
              u.id AS sender_id, u.nickname AS sender_nickname, u.role AS sender_role
         FROM messages m
         LEFT JOIN users u ON u.id = m.sender_id
        WHERE m.room_id = ? AND m.seq > ? AND m.seq < ? AND m.deleted_at IS NULL
        ORDER BY m.seq ${ascending ? 'ASC' : 'DESC'}
        LIMIT ?`,
      [roomId, lower, upper, query.limit],
    );
    return rows.map(toChatMessage);
  }

  /**
   * The baseline design (PERSISTENCE_MODE=direct): one transaction per message, written the way
   * the worker writes its batches. Not used in production mode.
   */
  insertNow(job: PersistMessageJob): Promise<void> {
    return writeMessages(this.db, [job]);
  }

  /** Whether a row with this id was written (deleted or not). */
  async exists(id: string): Promise<boolean> {
    const rows = await this.db.query<unknown[]>('SELECT 1 FROM messages WHERE id = ?', [id]);
    return rows.length > 0;
  }

  async findLive(id: string): Promise<StoredMessageRef | null> {
    const rows = await this.db.query<Record<string, unknown>[]>(
      'SELECT id, room_id, seq, sender_id FROM messages WHERE id = ? AND deleted_at IS NULL',
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: String(row.id),
      roomId: Number(row.room_id),
      seq: Number(row.seq),
      senderId: row.sender_id === null ? null : Number(row.sender_id),
    };
  }

  /**
   * Soft-deletes a message; if it was its room's last message, the room's preview falls back to
   * the newest remaining message. One transaction, so a room list never shows a deleted text.
   */
  async softDelete(message: StoredMessageRef): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const result = await tx.query<{ affectedRows: number }>(
        'UPDATE messages SET deleted_at = UTC_TIMESTAMP(3) WHERE id = ? AND deleted_at IS NULL',
        [message.id],
      );
      if (result.affectedRows === 0) return false;
      await tx.query(
        `UPDATE rooms r
            LEFT JOIN (SELECT id, content, created_at FROM messages
                        WHERE room_id = ? AND deleted_at IS NULL
                        ORDER BY seq DESC LIMIT 1) p ON 1 = 1
            SET r.last_message_id = p.id, r.last_message = p.content, r.last_message_at = COALESCE(p.created_at, r.last_message_at)
          WHERE r.id = ? AND r.last_message_id = ?`,
        [message.roomId, message.roomId, message.id],
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
}

function toChatMessage(row: Record<string, unknown>): ChatMessage {
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
  };
}
