import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { RoomRole } from '@chat/contracts';
import { RoomEntity, RoomMemberEntity } from '@chat/database';

export interface MembershipRow {
  room: RoomEntity;
  member: RoomMemberEntity | null;
  banned: boolean;
}

/** SQL for rooms and memberships; the rules about who may do what live in the services. */
@Injectable()
export class RoomsRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

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
    const member: RoomMemberEntity | null =
      row.role === null
        ? null
        : {
            roomId,
            userId,
            role: row.role as RoomRole,
            mutedUntil: row.muted_until as Date | null,
            selfMuted: Boolean(row.self_muted),
            joinedSeq: Number(row.joined_seq),
            lastReadSeq: Number(row.last_read_seq),
            joinedAt: row.joined_at as Date,
          };
    return { room: toRoomEntity(row), member, banned: Boolean(Number(row.banned)) };
  }

  /** Creates the room and its first memberships in one transaction. */
  async createRoom(
    room: Pick<RoomEntity, 'name' | 'isPrivate' | 'ownerId'>,
    members: { userId: number; role: RoomRole }[],
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
      if (members.length > 0) {
        await tx.getRepository(RoomMemberEntity).insert(
          members.map((m) => ({
            roomId: id,
            userId: m.userId,
            role: m.role,
            mutedUntil: null,
            selfMuted: false,
            joinedSeq: 0,
            lastReadSeq: 0,
            joinedAt: now,
          })),
        );
      }
      return { ...entity, id };
    });
  }

  async addMember(roomId: number, userId: number, role: RoomRole, joinedSeq: number): Promise<RoomMemberEntity> {
    const member: RoomMemberEntity = {
      roomId,
      userId,
      role,
      mutedUntil: null,
      selfMuted: false,
      joinedSeq,
      lastReadSeq: joinedSeq,
      joinedAt: new Date(),
    };
    await this.db.getRepository(RoomMemberEntity).insert(member);
    return member;
  }

  async existingUserIds(ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.query<{ id: number }[]>('SELECT id FROM users WHERE id IN (?)', [ids]);
    return rows.map((r) => Number(r.id));
  }

  /**
   * A user's rooms, newest activity first, with unread counts: one query whatever the number of
   * rooms (the count is bounded by an index range scan on (room_id, seq)).
   */
  async roomsOf(userId: number): Promise<(RoomEntity & { role: RoomRole; unreadCount: number })[]> {
    const rows = await this.db.query<Record<string, unknown>[]>(
      `SELECT ${ROOM_COLUMNS}, m.role,
              (SELECT COUNT(*) FROM messages x
                WHERE x.room_id = r.id AND x.seq > GREATEST(m.last_read_seq, m.joined_seq)
                  AND x.type = 'chat' AND x.deleted_at IS NULL
                  AND (x.sender_id IS NULL OR x.sender_id <> m.user_id)) AS unread_count
         FROM room_members m
         JOIN rooms r ON r.id = m.room_id AND r.deleted_at IS NULL
        WHERE m.user_id = ?
        ORDER BY COALESCE(r.last_message_at, r.created_at) DESC, r.id DESC`,
      [userId],
    );
    return rows.map((row) => ({ ...toRoomEntity(row), role: row.role as RoomRole, unreadCount: Number(row.unread_count) }));
  }
}

const ROOM_COLUMNS = `r.id, r.name, r.is_private, r.owner_id, r.last_message_id, r.last_message,
  r.last_message_at, r.last_seq, r.deleted_at, r.created_at`;

function toRoomEntity(row: Record<string, unknown>): RoomEntity {
  return {
    id: Number(row.id),
    name: row.name as string | null,
    isPrivate: Boolean(row.is_private),
    ownerId: row.owner_id === null ? null : Number(row.owner_id),
    lastMessageId: row.last_message_id as string | null,
    lastMessage: row.last_message as string | null,
    lastMessageAt: row.last_message_at as Date | null,
    lastSeq: Number(row.last_seq),
    deletedAt: row.deleted_at as Date | null,
    createdAt: row.created_at as Date,
  };
}
