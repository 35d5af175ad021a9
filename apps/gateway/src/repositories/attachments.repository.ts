import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { StoredAttachment } from '@chat/contracts';

/** An upload as stored: its metadata, and the checksums its ETags are made of. */
export interface AttachmentRecord extends StoredAttachment {
  roomId: number;
  uploaderId: number | null;
  sha256: string;
  thumbnail?: { sha256: string; size: number };
}

/** What serving an attachment needs to know about it. */
export interface ServedAttachment extends AttachmentRecord {
  /** The message that uses it: null until the worker has linked it (or never used). */
  message: { id: string; seq: number } | null;
  /** Taken by a send (which may not be persisted yet). */
  claimed: boolean;
}

/** An `attachments` row as mysql2 returns it (BIGINTs may come as strings). */
interface AttachmentRow {
  id: string;
  room_id: number;
  uploader_id: number | null;
  name: string;
  content_type: string;
  size: number | string;
  width: number | null;
  height: number | null;
  sha256: string;
  thumbnail_sha256: string | null;
  thumbnail_size: number | string | null;
  claimed_by: string | null;
}

const COLUMNS = `a.id, a.room_id, a.uploader_id, a.name, a.content_type, a.size, a.width, a.height, a.sha256,
                 a.thumbnail_sha256, a.thumbnail_size, a.claimed_by`;

/**
 * Uploaded files (the `attachments` table). A send claims its attachments here before it takes a
 * seq, so two sends can never both use one upload; the worker links them to the message in the
 * message's own transaction (libs/database message-writes).
 */
@Injectable()
export class AttachmentsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async insert(record: AttachmentRecord, createdAt: Date): Promise<void> {
    await this.db.query(
      `INSERT INTO attachments (id, room_id, uploader_id, name, content_type, size, width, height, sha256,
                                thumbnail_sha256, thumbnail_size, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        record.id,
        record.roomId,
        record.uploaderId,
        record.name,
        record.contentType,
        record.size,
        record.width ?? null,
        record.height ?? null,
        record.sha256,
        record.thumbnail?.sha256 ?? null,
        record.thumbnail?.size ?? null,
        createdAt,
      ],
    );
  }

  /** Bytes of the user's attachments that are not deleted: what their quota is measured on. */
  async bytesStoredBy(uploaderId: number): Promise<number> {
    const [row] = await this.db.query<{ total: string | null }[]>(
      'SELECT SUM(size) AS total FROM attachments WHERE uploader_id = ? AND deleted_at IS NULL',
      [uploaderId],
    );
    return Number(row?.total ?? 0);
  }

  /**
   * Takes the uploads for one send attempt: only the sender's own, to this room, not deleted, and
   * uploaded after `uploadedAfter`, free or already held by the same attempt (a retry with the same clientMsgId). Returns the
   * uploads it holds, in the order asked; fewer than asked means some were not the sender's to use,
   * and none of them stays claimed.
   */
  async claim(ids: string[], by: { roomId: number; uploaderId: number; claim: string; uploadedAfter: Date }): Promise<AttachmentRecord[]> {
    await this.db.query(
      `UPDATE attachments SET claimed_by = ?
        WHERE id IN (?) AND room_id = ? AND uploader_id = ? AND deleted_at IS NULL AND created_at > ?
          AND (claimed_by IS NULL OR claimed_by = ?) AND (message_id IS NULL OR claimed_by = ?)`,
      [by.claim, ids, by.roomId, by.uploaderId, by.uploadedAfter, by.claim, by.claim],
    );
    const rows = await this.db.query<AttachmentRow[]>(
      `SELECT ${COLUMNS} FROM attachments a WHERE a.id IN (?) AND a.claimed_by = ? AND a.deleted_at IS NULL`,
      [ids, by.claim],
    );
    const held = new Map(rows.map((row) => [row.id, toRecord(row)]));
    if (held.size < ids.length) {
      await this.release(ids, by.claim);
      return [];
    }
    return ids.map((id) => held.get(id)!);
  }

  /** Gives back what a send attempt claimed and no message was stored with. */
  async release(ids: string[], claim: string): Promise<void> {
    await this.db.query('UPDATE attachments SET claimed_by = NULL WHERE id IN (?) AND claimed_by = ? AND message_id IS NULL', [ids, claim]);
  }

  async findServed(id: string): Promise<ServedAttachment | null> {
    const rows = await this.db.query<
      (AttachmentRow & { message_id: string | null; message_seq: number | string | null; message_deleted_at: Date | null })[]
    >(
      `SELECT ${COLUMNS}, m.id AS message_id, m.seq AS message_seq, m.deleted_at AS message_deleted_at
         FROM attachments a
         LEFT JOIN messages m ON m.id = a.message_id
        WHERE a.id = ? AND a.deleted_at IS NULL`,
      [id],
    );
    const row = rows[0];
    // A message deleted before its attachments were marked (the same transaction marks them) still hides them.
    if (!row || row.message_deleted_at) return null;
    return {
      ...toRecord(row),
      message: row.message_id === null ? null : { id: row.message_id, seq: Number(row.message_seq) },
      claimed: row.claimed_by !== null,
    };
  }
}

function toRecord(row: AttachmentRow): AttachmentRecord {
  return {
    id: row.id,
    roomId: Number(row.room_id),
    uploaderId: row.uploader_id === null ? null : Number(row.uploader_id),
    name: row.name,
    contentType: row.content_type,
    size: Number(row.size),
    ...(row.width === null ? {} : { width: Number(row.width), height: Number(row.height) }),
    sha256: row.sha256,
    ...(row.thumbnail_sha256 === null ? {} : { thumbnail: { sha256: row.thumbnail_sha256, size: Number(row.thumbnail_size) } }),
  };
}

/** What a message stores of an attachment. */
export function storedAttachment({ id, name, contentType, size, width, height }: AttachmentRecord): StoredAttachment {
  return { id, name, contentType, size, ...(width === undefined ? {} : { width, height }) };
}
