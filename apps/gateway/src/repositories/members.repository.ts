import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { RoomRole, SiteRole } from '@chat/contracts';
import { RoomMemberEntity } from '@chat/database';
import { isDuplicateKey } from './sql';
import { ReplicaReads } from './replica-reads';
import { newMember } from './rooms.repository';

export interface MemberRow {
  userId: number;
  nickname: string;
  role: RoomRole;
  mutedUntil: Date | null;
  joinedAt: Date;
}

export interface BanRow {
  userId: number;
  nickname: string;
  reason: string | null;
  bannedBy: number | null;
  createdAt: Date;
}

/** Memberships and room bans. */
@Injectable()
export class MembersRepository {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly reads: ReplicaReads,
  ) {}

  /** The member list, from a replica: owner first, then admins, members and guests, each by seniority. */
  list(roomId: number): Promise<MemberRow[]> {
    return this.reads.run((db) => select(db, roomId));
  }

  /** From the primary: what a check before a change reads. */
  async find(roomId: number, userId: number): Promise<MemberRow | null> {
    return (await select(this.db.manager, roomId, userId))[0] ?? null;
  }

  /** Every member's read marker, from a replica (receipts are advisory: a marker a moment old is fine). */
  async readMarkers(roomId: number): Promise<{ userId: number; lastReadSeq: number }[]> {
    const rows = await this.reads.run((db) =>
      db.query<{ user_id: number; last_read_seq: number }[]>(
        'SELECT user_id, last_read_seq FROM room_members WHERE room_id = ? ORDER BY user_id',
        [roomId],
      ),
    );
    return rows.map((row) => ({ userId: Number(row.user_id), lastReadSeq: Number(row.last_read_seq) }));
  }

  /** The members' ids, from the primary: who a change of the room is told to. */
  async memberIds(roomId: number): Promise<number[]> {
    const rows = await this.db.query<{ user_id: number }[]>('SELECT user_id FROM room_members WHERE room_id = ?', [roomId]);
    return rows.map((row) => Number(row.user_id));
  }

  /** Which of these users are members of the room, from the primary. */
  async membersAmong(roomId: number, userIds: number[]): Promise<number[]> {
    if (userIds.length === 0) return [];
    const rows = await this.db.query<{ user_id: number }[]>('SELECT user_id FROM room_members WHERE room_id = ? AND user_id IN (?)', [
      roomId,
      userIds,
    ]);
    return rows.map((row) => Number(row.user_id));
  }

  /** The new membership, or null if the user is already a member (a concurrent join won). */
  async add(roomId: number, userId: number, role: RoomRole, joinedSeq: number): Promise<RoomMemberEntity | null> {
    const member = newMember(roomId, userId, role, joinedSeq);
    try {
      await this.db.getRepository(RoomMemberEntity).insert(member);
    } catch (error) {
      if (isDuplicateKey(error)) return null;
      throw error;
    }
    return member;
  }

  /**
   * Adds the users that are neither members nor banned from the room, in one transaction that
   * locks their ban and membership rows, so a ban racing the invite cannot slip between the check
   * and the insert. Returns who was added and who was skipped as banned.
   */
  async addMany(
    roomId: number,
    users: { id: number; role: SiteRole }[],
    joinedSeq: number,
  ): Promise<{ added: number[]; banned: number[] }> {
    if (users.length === 0) return { added: [], banned: [] };
    return this.db.transaction(async (tx) => {
      const ids = users.map((u) => u.id);
      // Bans first, then memberships: the order ban() takes them in, so the two never deadlock.
      const bans = await tx.query<{ user_id: number }[]>('SELECT user_id FROM room_bans WHERE room_id = ? AND user_id IN (?) FOR UPDATE', [
        roomId,
        ids,
      ]);
      const present = await tx.query<{ user_id: number }[]>(
        'SELECT user_id FROM room_members WHERE room_id = ? AND user_id IN (?) FOR UPDATE',
        [roomId, ids],
      );
      const banned = new Set(bans.map((b) => Number(b.user_id)));
      const taken = new Set(present.map((p) => Number(p.user_id)));
      const fresh = users.filter((u) => !taken.has(u.id) && !banned.has(u.id));
      if (fresh.length > 0) {
        await tx
          .getRepository(RoomMemberEntity)
          .insert(fresh.map((u) => newMember(roomId, u.id, u.role === 'guest' ? 'guest' : 'member', joinedSeq)));
      }
      return { added: fresh.map((u) => u.id), banned: ids.filter((id) => banned.has(id)) };
    });
  }

  /**
   * Removes a membership. If the owner leaves, the longest-standing admin (else member) becomes
   * owner, so a room with members always has one. Returns false if there was no membership.
   */
  async remove(roomId: number, userId: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ role: RoomRole }[]>('SELECT role FROM room_members WHERE room_id = ? AND user_id = ? FOR UPDATE', [
        roomId,
        userId,
      ]);
      if (!rows[0]) return false;
      await tx.query('DELETE FROM room_members WHERE room_id = ? AND user_id = ?', [roomId, userId]);
      if (rows[0].role === 'owner') await handOverOwnership(tx, roomId);
      return true;
    });
  }

  async setRole(roomId: number, userId: number, role: Exclude<RoomRole, 'owner'>): Promise<void> {
    await this.db.query('UPDATE room_members SET role = ? WHERE room_id = ? AND user_id = ?', [role, roomId, userId]);
  }

  /**
   * The owner hands the room to another member and becomes an admin. Both memberships are locked
   * first, so a member who leaves meanwhile cannot end up owning the room: then nothing changes
   * and the answer is false.
   */
  async transferOwnership(roomId: number, fromUserId: number, toUserId: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query<{ user_id: number }[]>(
        'SELECT user_id FROM room_members WHERE room_id = ? AND user_id IN (?, ?) FOR UPDATE',
        [roomId, fromUserId, toUserId],
      );
      if (rows.length < 2) return false;
      await tx.query(`UPDATE room_members SET role = 'admin' WHERE room_id = ? AND user_id = ?`, [roomId, fromUserId]);
      await tx.query(`UPDATE room_members SET role = 'owner' WHERE room_id = ? AND user_id = ?`, [roomId, toUserId]);
      await tx.query('UPDATE rooms SET owner_id = ? WHERE id = ?', [toUserId, roomId]);
      return true;
    });
  }

  async setMutedUntil(roomId: number, userId: number, until: Date | null): Promise<void> {
    await this.db.query('UPDATE room_members SET muted_until = ? WHERE room_id = ? AND user_id = ?', [until, roomId, userId]);
  }

  async setSelfMuted(roomId: number, userId: number, muted: boolean): Promise<void> {
    await this.db.query('UPDATE room_members SET self_muted = ? WHERE room_id = ? AND user_id = ?', [muted, roomId, userId]);
  }

  /** Moves the read marker forward only, and never past the room's last seq. */
  async markRead(roomId: number, userId: number, seq: number, lastSeq: number): Promise<number> {
    await this.db.query('UPDATE room_members SET last_read_seq = GREATEST(last_read_seq, ?) WHERE room_id = ? AND user_id = ?', [
      Math.min(seq, lastSeq),
      roomId,
      userId,
    ]);
    const rows = await this.db.query<{ s: number }[]>('SELECT last_read_seq AS s FROM room_members WHERE room_id = ? AND user_id = ?', [
      roomId,
      userId,
    ]);
    return Number(rows[0]?.s ?? 0);
  }

  /** Bans (or updates the reason of a ban) and removes the membership, in one transaction. */
  async ban(roomId: number, userId: number, bannedBy: number, reason: string | null): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO room_bans (room_id, user_id, banned_by, reason, created_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(3))
         ON DUPLICATE KEY UPDATE reason = VALUES(reason), banned_by = VALUES(banned_by)`,
        [roomId, userId, bannedBy, reason],
      );
      await tx.query('DELETE FROM room_members WHERE room_id = ? AND user_id = ?', [roomId, userId]);
    });
  }

  async unban(roomId: number, userId: number): Promise<boolean> {
    const result = await this.db.query<{ affectedRows: number }>('DELETE FROM room_bans WHERE room_id = ? AND user_id = ?', [
      roomId,
      userId,
    ]);
    return result.affectedRows > 0;
  }

  async bans(roomId: number): Promise<BanRow[]> {
    const rows = await this.db.query<Record<string, unknown>[]>(
      `SELECT b.user_id, u.nickname, b.reason, b.banned_by, b.created_at
         FROM room_bans b JOIN users u ON u.id = b.user_id
        WHERE b.room_id = ? ORDER BY b.created_at DESC, b.user_id`,
      [roomId],
    );
    return rows.map((r) => ({
      userId: Number(r.user_id),
      nickname: String(r.nickname),
      reason: r.reason as string | null,
      bannedBy: r.banned_by === null ? null : Number(r.banned_by),
      createdAt: r.created_at as Date,
    }));
  }
}

async function handOverOwnership(tx: EntityManager, roomId: number): Promise<void> {
  const heirs = await tx.query<{ user_id: number }[]>(
    `SELECT user_id FROM room_members WHERE room_id = ?
      ORDER BY FIELD(role, 'admin', 'member', 'guest'), joined_at, user_id LIMIT 1 FOR UPDATE`,
    [roomId],
  );
  const heir = heirs[0] ? Number(heirs[0].user_id) : null;
  if (heir !== null) await tx.query(`UPDATE room_members SET role = 'owner' WHERE room_id = ? AND user_id = ?`, [roomId, heir]);
  await tx.query('UPDATE rooms SET owner_id = ? WHERE id = ?', [heir, roomId]);
}

async function select(db: EntityManager, roomId: number, userId?: number): Promise<MemberRow[]> {
  const rows = await db.query<Record<string, unknown>[]>(
    `SELECT m.user_id, u.nickname, m.role, m.muted_until, m.joined_at
         FROM room_members m JOIN users u ON u.id = m.user_id
        WHERE m.room_id = ? ${userId === undefined ? '' : 'AND m.user_id = ?'}
        ORDER BY FIELD(m.role, 'owner', 'admin', 'member', 'guest'), m.joined_at, m.user_id`,
    userId === undefined ? [roomId] : [roomId, userId],
  );
  return rows.map((r) => ({
    userId: Number(r.user_id),
    nickname: String(r.nickname),
    role: r.role as RoomRole,
    mutedUntil: r.muted_until as Date | null,
    joinedAt: r.joined_at as Date,
  }));
}
