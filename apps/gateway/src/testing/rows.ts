import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { PersistMessageJob, PublicUser, RoomRole, SiteRole } from '@chat/contracts';
import { writeMessages } from '@chat/database';

/**
 * Rows a test needs as its starting point, written in plain SQL (messages the way the worker
 * writes them) so a test of a repository does not set itself up through the code it checks.
 * Names are unique within the process.
 */
let counter = 0;
const unique = (stem: string) => `${stem}${process.pid % 1000}-${++counter}`;

export async function insertUser(db: DataSource, fields: { role?: SiteRole; nickname?: string } = {}): Promise<PublicUser> {
  const role = fields.role ?? 'user';
  const nickname = fields.nickname ?? unique(role === 'guest' ? 'guest' : 'user');
  const email = role === 'guest' ? null : `${nickname.toLowerCase()}@medium.test`;
  const createdAt = new Date();
  const result = await db.query<{ insertId: number }>(
    'INSERT INTO users (email, password_hash, nickname, role, created_at) VALUES (?, ?, ?, ?, ?)',
    [email, role === 'guest' ? null : 'not-a-bcrypt-hash', nickname, role, createdAt],
  );
  return { id: Number(result.insertId), email, nickname, role, createdAt: createdAt.toISOString() };
}

export async function insertUsers(db: DataSource, count: number, role: SiteRole = 'user'): Promise<PublicUser[]> {
  const users: PublicUser[] = [];
  for (let i = 0; i < count; i++) users.push(await insertUser(db, { role }));
  return users;
}

export interface RoomFixture {
  name?: string | null;
  isPrivate?: boolean;
  owner: { id: number };
  /** Besides the owner, in the order they joined (a millisecond apart, so seniority is defined). */
  members?: { user: { id: number }; role: Exclude<RoomRole, 'owner'> }[];
}

export async function insertRoom(db: DataSource, room: RoomFixture): Promise<number> {
  const result = await db.query<{ insertId: number }>('INSERT INTO rooms (name, is_private, owner_id, created_at) VALUES (?, ?, ?, ?)', [
    room.name === undefined ? unique('room') : room.name,
    room.isPrivate ? 1 : 0,
    room.owner.id,
    new Date(),
  ]);
  const roomId = Number(result.insertId);
  const start = Date.now() - 60_000;
  const members = [{ user: room.owner, role: 'owner' as RoomRole }, ...(room.members ?? [])];
  for (const [i, member] of members.entries()) {
    await db.query('INSERT INTO room_members (room_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)', [
      roomId,
      member.user.id,
      member.role,
      new Date(start + i),
    ]);
  }
  return roomId;
}

export async function insertBan(db: DataSource, roomId: number, userId: number): Promise<void> {
  await db.query('INSERT INTO room_bans (room_id, user_id, created_at) VALUES (?, ?, ?)', [roomId, userId, new Date()]);
}

export interface MessageFixture {
  seq: number;
  senderId: number | null;
  type?: 'chat' | 'system';
  content?: string;
  createdAt?: Date;
}

/** Messages as the worker stores them (writeMessages), so the room's last message moves with them. */
export async function insertMessages(db: DataSource, roomId: number, messages: MessageFixture[]): Promise<PersistMessageJob[]> {
  const jobs = messages.map((m) => ({
    id: randomBytes(13).toString('hex').toUpperCase(),
    roomId,
    seq: m.seq,
    senderId: m.senderId,
    type: m.type ?? 'chat',
    content: m.content ?? `message ${m.seq}`,
    clientMsgId: null,
    createdAt: (m.createdAt ?? new Date()).toISOString(),
  }));
  await writeMessages(db, jobs);
  return jobs;
}
