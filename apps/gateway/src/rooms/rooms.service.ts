import { Injectable } from '@nestjs/common';
import {
  type DirectoryRoom,
  ErrorCode,
  type InviteResult,
  type MembershipView,
  type MyRoomView,
  type Page,
  type PublicUser,
  type ReceiptView,
  type RoomDetails,
  type RoomView,
} from '@chat/contracts';
import type { RoomEntity } from '@chat/database';
import { AppError } from '../common/app-error';
import { DomainEvents } from '../common/domain-events';
import { MembersRepository } from '../repositories/members.repository';
import { MembershipNoteRepository } from '../repositories/membership-note.repository';
import { RateLimitRepository } from '../repositories/rate-limit.repository';
import { RealtimeRepository } from '../repositories/realtime.repository';
import { RoomsRepository } from '../repositories/rooms.repository';
import { isDuplicateKey } from '../repositories/sql';
import { SequenceRepository } from '../repositories/sequence.repository';
import { UsersRepository } from '../repositories/users.repository';
import type { CreateRoomDto, DirectoryQueryDto } from './dto/room.dto';
import { LiveRoomState } from './live-room-state';
import { ReadReceipts } from './read-receipts';
import { type Caller, RoomAccess } from './room-access';
import { toMembershipView } from './room-view';
import { RoomViews } from './room-views';

/** The two users of a direct conversation, in one order whoever opens it. */
const directKey = (a: number, b: number): string => `${Math.min(a, b)}:${Math.max(a, b)}`;

/** `GET /rooms/mine` answers at most this many rooms at once. */
export const MINE_PAGE_MAX = 100;

/** Where a page of my rooms ends: its last room's activity instant and id (the list's sort key). */
function mineCursor(room: RoomEntity): string {
  return `${(room.lastMessageAt ?? room.createdAt).getTime()}_${room.id}`;
}

function parseMineCursor(cursor: string): { at: Date; id: number } {
  const [at, id] = cursor.split('_').map(Number);
  return { at: new Date(at), id };
}

@Injectable()
export class RoomsService {
  constructor(
    private readonly rooms: RoomsRepository,
    private readonly members: MembersRepository,
    private readonly users: UsersRepository,
    private readonly access: RoomAccess,
    private readonly sequence: SequenceRepository,
    private readonly realtime: RealtimeRepository,
    private readonly limits: RateLimitRepository,
    private readonly notes: MembershipNoteRepository,
    private readonly events: DomainEvents,
    private readonly views: RoomViews,
    private readonly live: LiveRoomState,
    private readonly receipts: ReadReceipts,
  ) {}

  async create(owner: PublicUser, dto: CreateRoomDto): Promise<RoomView> {
    const inviteeIds = (dto.invitedUserIds ?? []).filter((id) => id !== owner.id);
    if (owner.role === 'guest' && inviteeIds.length > 0) throw new AppError(ErrorCode.Forbidden, 'Guests may not invite anyone');
    await this.limits.consumeRoomAction(owner.id);
    const invited = await this.existingUsers(inviteeIds);
    const room = await this.rooms.createRoom({ name: dto.name ?? null, isPrivate: dto.isPrivate ?? false, ownerId: owner.id }, [
      { userId: owner.id, role: 'owner' },
      ...invited.map((u) => ({ userId: u.id, role: u.role === 'guest' ? ('guest' as const) : ('member' as const) })),
    ]);
    // Drops what replicas remember about this id from before it existed (lookups of missing rooms are cached).
    await this.access.changed(room.id);
    if (invited.length > 0) await this.note(room, `${owner.nickname} invited ${invited.map((u) => u.nickname).join(', ')}`);
    await this.live.added(room.id, [owner.id, ...invited.map((u) => u.id)]);
    return (await this.views.of([room], owner.id))[0];
  }

  /**
   * The private room of two: created the first time either opens it (the opener its owner, the
   * other a member, both told with `room_added`), the same room every time after. Only with
   * someone the caller shares a room with; never by a guest (guests make no one a member of
   * anything). One who left it is let back in.
   */
  async direct(caller: PublicUser, userId: number): Promise<{ room: RoomView; created: boolean }> {
    if (userId === caller.id) throw new AppError(ErrorCode.ValidationFailed, 'A direct conversation needs someone else');
    if (caller.role === 'guest') throw new AppError(ErrorCode.Forbidden, 'Guests may not start conversations');
    const [other] = await this.existingUsers([userId]);
    const key = directKey(caller.id, userId);
    const existing = await this.rooms.findDirect(key);
    if (existing !== null) {
      const reopened = await this.reopenDirect(existing, caller, other);
      if (reopened) return { room: reopened, created: false };
    }
    if (!(await this.users.shareARoom(caller.id, userId))) {
      throw new AppError(ErrorCode.Forbidden, 'You can start a conversation only with someone you share a room with');
    }
    await this.limits.consumeRoomAction(caller.id);
    const members = [
      { userId: caller.id, role: 'owner' as const },
      { userId, role: other.role === 'guest' ? ('guest' as const) : ('member' as const) },
    ];
    let room: RoomEntity;
    try {
      room = await this.rooms.createRoom({ name: null, isPrivate: true, ownerId: caller.id }, members, key);
    } catch (error) {
      // Both opened it at once: the other request made it.
      const twin = isDuplicateKey(error) ? await this.rooms.findDirect(key) : null;
      const found = twin === null ? null : await this.rooms.findRoom(twin);
      if (!found) throw error;
      return { room: (await this.views.of([found], caller.id))[0], created: false };
    }
    await this.access.changed(room.id);
    await this.live.added(room.id, [caller.id, userId]);
    return { room: (await this.views.of([room], caller.id))[0], created: true };
  }

  /**
   * An existing direct conversation, with whichever of the two had left it back in (a ban by the
   * other holds: BANNED). Undefined if the room is gone.
   */
  private async reopenDirect(
    roomId: number,
    caller: PublicUser,
    other: { id: number; role: PublicUser['role'] },
  ): Promise<RoomView | undefined> {
    const [mine, theirs] = await Promise.all([this.rooms.findMembership(roomId, caller.id), this.rooms.findMembership(roomId, other.id)]);
    if (!mine || !theirs) return undefined;
    if (mine.banned) throw new AppError(ErrorCode.Banned, 'You are banned from this conversation');
    const back = [...(mine.member ? [] : [{ id: caller.id, role: caller.role }]), ...(theirs.member || theirs.banned ? [] : [other])];
    const added = [];
    for (const user of back) {
      if (await this.members.add(roomId, user.id, user.role === 'guest' ? 'guest' : 'member', 0)) added.push(user.id);
    }
    if (added.length > 0) {
      await this.access.changed(roomId);
      await this.live.added(roomId, added);
    }
    return (await this.views.of([mine.room], caller.id))[0];
  }

  async directory(caller: Caller, query: DirectoryQueryDto): Promise<Page<DirectoryRoom>> {
    const limit = query.limit ?? 50;
    const rows = await this.rooms.directory({ q: query.q, before: query.cursor, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const views = await this.views.of(page, caller.id);
    return {
      items: views.map((view, i) => ({ ...view, memberCount: page[i].memberCount })),
      nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    };
  }

  /** A page of my rooms, newest activity first; `nextCursor` continues after the last one (null at the end). */
  async mine(caller: Caller, query: { limit?: number; cursor?: string }): Promise<{ items: MyRoomView[]; nextCursor: string | null }> {
    const limit = query.limit ?? MINE_PAGE_MAX;
    const rows = await this.rooms.roomsOf(caller.id, { limit: limit + 1, after: query.cursor ? parseMineCursor(query.cursor) : undefined });
    const page = rows.slice(0, limit);
    const items = await this.views.mine(page, caller.id);
    const last = page.at(-1);
    return { items, nextCursor: rows.length > limit && last ? mineCursor(last) : null };
  }

  async get(caller: Caller, roomId: number): Promise<RoomDetails> {
    const { room, member } = await this.access.require(roomId, caller, 'view');
    const [view] = await this.views.of([room], caller.id);
    return { ...view, memberCount: await this.rooms.memberCount(roomId), myRole: member?.role ?? null };
  }

  async rename(caller: Caller, roomId: number, name: string | null): Promise<RoomView> {
    const { room } = await this.access.require(roomId, caller, 'rename');
    await this.rooms.rename(roomId, name);
    await this.live.updated(roomId);
    return (await this.views.of([{ ...room, name }], caller.id))[0];
  }

  /** Members get `room_deleted` and `room_removed` wherever their sockets are, joined to the room or not. */
  async delete(caller: Caller, roomId: number): Promise<void> {
    await this.access.require(roomId, caller, 'deleteRoom');
    const memberIds = await this.rooms.softDelete(roomId);
    await this.access.changed(roomId);
    this.realtime.clientSend({ room: roomId, users: memberIds }, 'room_deleted', { roomId });
    this.live.removed(roomId, memberIds, 'deleted');
    this.realtime.closeRoom(roomId);
  }

  /** Joins a public room. Joining twice is harmless: the existing membership is returned. */
  async join(user: PublicUser, roomId: number): Promise<MembershipView> {
    await this.limits.consumeRoomAction(user.id);
    const membership = await this.rooms.findMembership(roomId, user.id);
    if (!membership) throw new AppError(ErrorCode.NotFound, `Room ${roomId} does not exist`);
    if (membership.banned) throw new AppError(ErrorCode.Banned, 'You are banned from this room');
    if (membership.member) return toMembershipView(membership.member);
    if (membership.room.isPrivate) throw new AppError(ErrorCode.Forbidden, 'This room is private: ask a member for an invite');
    const member = await this.members.add(roomId, user.id, user.role === 'guest' ? 'guest' : 'member', 0);
    if (!member) throw new AppError(ErrorCode.Conflict, 'Already joining');
    await this.access.changed(roomId);
    this.realtime.clientSend({ room: roomId }, 'notice', { roomId, kind: 'join', userId: user.id, text: `${user.nickname} joined` });
    // The user's other tabs list it too.
    await this.live.added(roomId, [user.id]);
    if (await this.notes.shouldStore(roomId, user.id)) await this.note(membership.room, `${user.nickname} joined`);
    return toMembershipView(member);
  }

  async leave(user: PublicUser, roomId: number): Promise<void> {
    await this.limits.consumeRoomAction(user.id);
    const { room } = await this.access.require(roomId, user, 'leave');
    if (!(await this.members.remove(roomId, user.id))) return;
    await this.access.changed(roomId);
    this.realtime.removeFromRoom(user.id, roomId);
    this.live.removed(roomId, [user.id], 'left');
    this.realtime.clientSend({ room: roomId }, 'notice', { roomId, kind: 'leave', userId: user.id, text: `${user.nickname} left` });
    // An owner leaving hands the room over (MembersRepository.remove).
    if (room.ownerId === user.id) await this.live.updated(roomId);
    if (await this.notes.shouldStore(roomId, user.id)) await this.note(room, `${user.nickname} left`);
  }

  /** Invitees become members who see only the messages sent from now on; users banned from the room are skipped. */
  async invite(inviter: PublicUser, roomId: number, userIds: number[]): Promise<InviteResult> {
    const { room } = await this.access.require(roomId, inviter, 'invite');
    await this.limits.consumeRoomAction(inviter.id);
    const invited = await this.existingUsers(userIds);
    const joinedSeq = await this.sequence.current(roomId, room.lastSeq);
    const { added, banned } = await this.members.addMany(roomId, invited, joinedSeq);
    if (added.length > 0) await this.access.changed(roomId);
    const names = invited.filter((u) => added.includes(u.id)).map((u) => u.nickname);
    if (names.length > 0) await this.note(room, `${inviter.nickname} invited ${names.join(', ')}`);
    await this.live.added(roomId, added);
    const skipped = new Set([...added, ...banned]);
    const alreadyMembers = invited.map((u) => u.id).filter((id) => !skipped.has(id));
    // `banned` only when there were some: the v1 shape stays exactly `{ added, alreadyMembers }`.
    return { added, alreadyMembers, ...(banned.length > 0 ? { banned } : {}) };
  }

  /**
   * Moves the caller's read marker forward. When it moves, the room gets a `receipt` (throttled,
   * ReadReceipts) and the caller's other sockets a `read_marker`: all of them for a REST call, all
   * but `fromSocket` for a socket's `read`.
   */
  async markRead(caller: Caller, roomId: number, seq: number, fromSocket?: string): Promise<{ roomId: number; lastReadSeq: number }> {
    const { room, member } = await this.access.require(roomId, caller, 'markRead');
    const lastSeq = await this.sequence.current(roomId, room.lastSeq);
    const lastReadSeq = await this.members.markRead(roomId, caller.id, seq, lastSeq);
    if (member && lastReadSeq > member.lastReadSeq) {
      this.receipts.moved(roomId, caller.id, lastReadSeq);
      this.realtime.clientSend({ user: caller.id, except: fromSocket }, 'read_marker', { roomId, seq: lastReadSeq });
    }
    return { roomId, lastReadSeq };
  }

  /** Every member's read marker: how many have read each message (the KakaoTalk "1"). */
  async receiptsOf(caller: Caller, roomId: number): Promise<ReceiptView[]> {
    // Who has read what: as much as the member list and the history tell, so the same people see it.
    await this.access.require(roomId, caller, 'listMembers');
    return this.members.readMarkers(roomId);
  }

  /** The room's current seq, for a socket joining it (`join_room` answers it). */
  async lastSeqFor(caller: Caller, roomId: number): Promise<number> {
    const { room } = await this.access.require(roomId, caller, 'send');
    return this.sequence.current(roomId, room.lastSeq);
  }

  /** The room's history records the change (the messages feature stores the note). */
  private note(room: RoomEntity, note: string): Promise<void> {
    return this.events.emit('room.membership-changed', { room, note });
  }

  /** The users, in the order asked for; NOT_FOUND names any that do not exist. */
  private async existingUsers(ids: number[]): Promise<{ id: number; nickname: string; role: PublicUser['role'] }[]> {
    const unique = [...new Set(ids)];
    const found = new Map((await this.users.findMany(unique)).map((u) => [u.id, u]));
    const missing = unique.filter((id) => !found.has(id));
    if (missing.length > 0) throw new AppError(ErrorCode.NotFound, `No such users: ${missing.join(', ')}`);
    return unique.map((id) => found.get(id)!);
  }
}
