import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { RoomRole } from '@chat/contracts';
import { RoomEntity, RoomMemberEntity } from '@chat/database';
import { MAX_ID } from '../common/ids';
import { ReplicaReads } from './replica-reads';
import { escapeLike } from './sql';

export interface MembershipRow {
  room: RoomEntity;
  member: RoomMemberEntity | null;
  banned: boolean;
}

export type DirectoryRow = RoomEntity & { memberCount: number };
/** A room as a member lists it: `userId` is the member. */
export type MyRoomRow = RoomEntity & {
  userId: number;
  role: RoomRole;
  unreadCount: number;
  mentionCount: number;
  lastReadSeq: number;
  selfMuted: boolean;
};

/** SQL for rooms; the rules about who may do what live in the services. */
@Injectable()
export class RoomsRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly reads: ReplicaReads,
  ) {}

  /** The live room, the user's membership and whether they are banned from it, in one query. */
  async findMembership(roomId: number, userId: number): Promise<MembershipRow | null> {
    const rows = await this.db.query<Record<string, unknown>[]>(
      `SELECT ${ROOM_COLUMNS}, m.role, m.muted_until, m.self_muted, m.joined_seq, m.last_read_seq, m.joined_at,
              EXISTS (SELECT 1 FROM room_bans b WHERE b.room_id = r.id AND b.user_id = ?) AS banned
         FROM rooms r
         LEFT JOIN room_members m ON m.room_id = r.id AND m.user_id = ?
        WHERE r.id = ? AND r.deleted_at IS NULL`,
      [userId, userId, roomId],
    );
    const row = rows[0];
    if (!row) return null;
    const member = row.role === null ? null : toMember(roomId, userId, row);
    return { room: toRoomEntity(row), member, banned: Boolean(Number(row.banned)) };
  }

  /** Creates the room and its first memberships in one transaction. */
  async createRoom(
    room: Pick<RoomEntity, 'name' | 'isPrivate' | 'ownerId'>,
    members: { userId: number; role: RoomRole }[],
    /** For a direct conversation: its key (unique, so a concurrent twin fails with a duplicate key). */
    directKey?: string,
  ): Promise<RoomEntity> {
    return this.db.transaction(async (tx) => {
      const now = new Date();
      const entity: Omit<RoomEntity, 'id'> = {
        ...room,
        lastMessageId: null,
        lastMessage: null,
        lastMessageAt: null,
        lastSeq: 0,
        deletedAt: null,
        createdAt: now,
      };
      const { identifiers } = await tx.getRepository(RoomEntity).insert(entity);
      const id = Number(identifiers[0]?.id);
      if (directKey) await tx.query('UPDATE rooms SET direct_key = ? WHERE id = ?', [directKey, id]);
      await tx.getRepository(RoomMemberEntity).insert(members.map((m) => newMember(id, m.userId, m.role, 0)));
      return { ...entity, id };
    });
  }

  async rename(roomId: number, name: string | null): Promise<void> {
    await this.db.query('UPDATE rooms SET name = ? WHERE id = ? AND deleted_at IS NULL', [name, roomId]);
  }

  /**
   * Soft delete: messages still in the queue land without a foreign-key failure, and the room
   * disappears from every list. Returns the members to tell.
   */
  async softDelete(roomId: number): Promise<number[]> {
    return this.db.transaction(async (tx) => {
      const members = await tx.query<{ user_id: number }[]>('SELECT user_id FROM room_members WHERE room_id = ? FOR UPDATE', [roomId]);
      // A deleted direct conversation frees its key: the two can start a new one.
      await tx.query('UPDATE rooms SET deleted_at = UTC_TIMESTAMP(3), direct_key = NULL WHERE id = ? AND deleted_at IS NULL', [roomId]);
      return members.map((m) => Number(m.user_id));
    });
  }

  /** Public rooms, from a replica: newest first, keyset-paginated on id; `q` matches anywhere in the name. */
  async directory(query: { q?: string; before?: number; limit: number }): Promise<DirectoryRow[]> {
    const rows = await this.reads.run((db) =>
      db.query<Record<string, unknown>[]>(
        `SELECT ${ROOM_COLUMNS}, (SELECT COUNT(*) FROM room_members c WHERE c.room_id = r.id) AS member_count
         FROM rooms r
        WHERE r.is_private = 0 AND r.deleted_at IS NULL AND r.id < ? ${query.q ? 'AND r.name LIKE ?' : ''}
        ORDER BY r.id DESC
        LIMIT ?`,
        [query.before ?? MAX_ID + 1, ...(query.q ? [`%${escapeLike(query.q)}%`] : []), query.limit],
      ),
    );
    return rows.map((row) => ({ ...toRoomEntity(row), memberCount: Number(row.member_count) }));
  }

  /**
   * A page of a user's rooms, newest activity first, with unread counts: one query (each count
   * is an index range scan on (room_id, seq) past the read marker), keyset-paginated on
   * (activity, id). A room whose activity moves while a client pages may show up twice or on a
   * page already read; the next refresh puts it first.
   */
  async roomsOf(userId: number, page: { limit: number; after?: { at: Date; id: number } }): Promise<MyRoomRow[]> {
    const activity = 'COALESCE(r.last_message_at, r.created_at)';
    const after = page.after ? `AND (${activity} < ? OR (${activity} = ? AND r.id < ?))` : '';
    return this.selectMine(`m.user_id = ? ${after} ORDER BY ${activity} DESC, r.id DESC LIMIT ?`, [
      userId,
      ...(page.after ? [page.after.at, page.after.at, page.after.id] : []),
      page.limit,
    ]);
  }

  /** One room as each of these members lists it in `roomsOf`, in one query; non-members are left out. */
  async roomAsListedBy(roomId: number, userIds: number[]): Promise<MyRoomRow[]> {
    return userIds.length === 0 ? [] : this.selectMine('m.room_id = ? AND m.user_id IN (?)', [roomId, userIds]);
  }

  /** Memberships with their rooms and counts, `rest` the WHERE condition onwards. */
  private async selectMine(rest: string, params: unknown[]): Promise<MyRoomRow[]> {
    const rows = await this.db.query<Record<string, unknown>[]>(
      `SELECT ${ROOM_COLUMNS}, m.user_id, m.role, m.last_read_seq, m.self_muted,
              (SELECT COUNT(*) FROM messages x
                WHERE x.room_id = r.id AND x.seq > GREATEST(m.last_read_seq, m.joined_seq)
                  AND x.type = 'chat' AND x.deleted_at IS NULL
                  AND (x.sender_id IS NULL OR x.sender_id <> m.user_id)) AS unread_count,
              (SELECT COUNT(*) FROM message_mentions mm
                 JOIN messages x ON x.id = mm.message_id AND x.deleted_at IS NULL
                WHERE mm.user_id = m.user_id AND mm.room_id = r.id
                  AND mm.seq > GREATEST(m.last_read_seq, m.joined_seq)) AS mention_count
         FROM room_members m
         JOIN rooms r ON r.id = m.room_id AND r.deleted_at IS NULL
        WHERE ${rest}`,
      params,
    );
    return rows.map((row) => ({
      ...toRoomEntity(row),
      userId: Number(row.user_id),
      role: row.role as RoomRole,
      unreadCount: Number(row.unread_count),
      mentionCount: Number(row.mention_count),
      lastReadSeq: Number(row.last_read_seq),
      selfMuted: Boolean(row.self_muted),
    }));
  }

  /** The live room, from the primary. */
  async findRoom(roomId: number): Promise<RoomEntity | null> {
    const rows = await this.db.query<Record<string, unknown>[]>(
      `SELECT ${ROOM_COLUMNS} FROM rooms r WHERE r.id = ? AND r.deleted_at IS NULL`,
      [roomId],
    );
    return rows[0] ? toRoomEntity(rows[0]) : null;
  }

  /** The live direct conversation with this key, if there is one. */
  async findDirect(directKey: string): Promise<number | null> {
    const rows = await this.db.query<{ id: number }[]>('SELECT id FROM rooms WHERE direct_key = ? AND deleted_at IS NULL', [directKey]);
    return rows[0] ? Number(rows[0].id) : null;
  }

  async roomIdsOf(userId: number): Promise<number[]> {
    const rows = await this.db.query<{ room_id: number }[]>(
      'SELECT m.room_id FROM room_members m JOIN rooms r ON r.id = m.room_id AND r.deleted_at IS NULL WHERE m.user_id = ?',
      [userId],
    );
    return rows.map((r) => Number(r.room_id));
  }

  /** The first few members' nicknames of each room, earliest first, for naming unnamed rooms: one query. */
  async memberNames(roomIds: number[], perRoom: number): Promise<Map<number, { userId: number; nickname: string }[]>> {
    const names = new Map<number, { userId: number; nickname: string }[]>();
    if (roomIds.length === 0) return names;
    const rows = await this.db.query<{ room_id: number; user_id: number; nickname: string }[]>(
      `SELECT room_id, user_id, nickname FROM (
         SELECT m.room_id, m.user_id, u.nickname,
                ROW_NUMBER() OVER (PARTITION BY m.room_id ORDER BY m.joined_at, m.user_id) AS n
           FROM room_members m JOIN users u ON u.id = m.user_id
          WHERE m.room_id IN (?)
       ) ranked
       WHERE n <= ?
       ORDER BY room_id, n`,
      [roomIds, perRoom],
    );
    for (const row of rows) {
      const list = names.get(Number(row.room_id)) ?? [];
      list.push({ userId: Number(row.user_id), nickname: row.nickname });
      names.set(Number(row.room_id), list);
    }
    return names;
  }

  /** Each room's last persisted seq, read now (not from any cache). */
  async lastSeqs(roomIds: number[]): Promise<Map<number, number>> {
    const rows = await this.db.query<{ id: number; last_seq: number }[]>('SELECT id, last_seq FROM rooms WHERE id IN (?)', [roomIds]);
    return new Map(rows.map((r) => [Number(r.id), Number(r.last_seq)]));
  }

  async memberCount(roomId: number): Promise<number> {
    const rows = await this.db.query<{ n: number }[]>('SELECT COUNT(*) AS n FROM room_members WHERE room_id = ?', [roomId]);
    return Number(rows[0]?.n ?? 0);
  }
}

export function newMember(roomId: number, userId: number, role: RoomRole, joinedSeq: number): RoomMemberEntity {
  return { roomId, userId, role, mutedUntil: null, selfMuted: false, joinedSeq, lastReadSeq: joinedSeq, joinedAt: new Date() };
}

export function toMember(roomId: number, userId: number, row: Record<string, unknown>): RoomMemberEntity {
  return {
    roomId,
    userId,
    role: row.role as RoomRole,
    mutedUntil: row.muted_until as Date | null,
    selfMuted: Boolean(Number(row.self_muted)),
    joinedSeq: Number(row.joined_seq),
    lastReadSeq: Number(row.last_read_seq),
    joinedAt: row.joined_at as Date,
  };
}

const ROOM_COLUMNS = `r.id, r.name, r.is_private, r.owner_id, r.last_message_id, r.last_message,
  r.last_message_at, r.last_seq, r.deleted_at, r.created_at`;

function toRoomEntity(row: Record<string, unknown>): RoomEntity {
  return {
    id: Number(row.id),
    name: row.name as string | null,
    isPrivate: Boolean(Number(row.is_private)),
    ownerId: row.owner_id === null ? null : Number(row.owner_id),
    lastMessageId: row.last_message_id as string | null,
    lastMessage: row.last_message as string | null,
    lastMessageAt: row.last_message_at as Date | null,
    lastSeq: Number(row.last_seq),
    deletedAt: row.deleted_at as Date | null,
    createdAt: row.created_at as Date,
  };
}
