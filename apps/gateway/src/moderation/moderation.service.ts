import { Injectable } from '@nestjs/common';
import {
  ErrorCode,
  type MembershipView,
  type MemberView,
  type NoticeKind,
  type PublicUser,
  type RoomBanView,
  type RoomRole,
} from '@chat/contracts';
import type { RoomEntity } from '@chat/database';
import { AppError } from '../common/app-error';
import { DomainEvents } from '../common/domain-events';
import { MembersRepository } from '../repositories/members.repository';
import { PresenceRepository } from '../repositories/presence.repository';
import { RealtimeRepository } from '../repositories/realtime.repository';
import { RoomsRepository } from '../repositories/rooms.repository';
import { UsersRepository } from '../repositories/users.repository';
import { isMuted, LiveRoomState, outranks, RoomAccess, type RoomContext, toMembershipView } from '../rooms';

export interface MemberUpdate {
  role?: RoomRole;
  muted?: boolean;
  mutedMinutes?: number;
}

/** "Until lifted" is stored as the far future, so one comparison answers "is muted?". */
const MUTED_INDEFINITELY = new Date('9999-12-31T00:00:00.000Z');

/**
 * Roles, mutes, kicks and bans. A kick or ban takes effect on every replica at once: the user's
 * sockets leave the room through the adapter and get `kicked`.
 */
@Injectable()
export class ModerationService {
  constructor(
    private readonly access: RoomAccess,
    private readonly rooms: RoomsRepository,
    private readonly members: MembersRepository,
    private readonly users: UsersRepository,
    private readonly realtime: RealtimeRepository,
    private readonly presence: PresenceRepository,
    private readonly events: DomainEvents,
    private readonly live: LiveRoomState,
  ) {}

  async list(caller: PublicUser, roomId: number): Promise<MemberView[]> {
    await this.access.require(roomId, caller, 'listMembers');
    const members = await this.members.list(roomId);
    const online = await this.presence.onlineAmong(members.map((m) => m.userId));
    return members.map((m) => ({
      userId: m.userId,
      nickname: m.nickname,
      role: m.role,
      muted: isMuted(m.mutedUntil),
      mutedUntil: isMuted(m.mutedUntil) ? (m.mutedUntil?.toISOString() ?? null) : null,
      online: online.has(m.userId),
    }));
  }

  /**
   * On oneself, `muted` is self-mute (the room's notifications), and nothing else may change.
   * On others: `role` is the owner's (role `owner` hands the room over), `muted` any moderator's.
   */
  async update(caller: PublicUser, roomId: number, userId: number, update: MemberUpdate): Promise<MembershipView> {
    if (update.role === undefined && update.muted === undefined) {
      throw new AppError(ErrorCode.ValidationFailed, 'Nothing to change: give role and/or muted');
    }
    if (userId === caller.id) return this.selfMute(caller, roomId, update);
    if (update.role !== undefined) await this.setRole(caller, roomId, userId, update.role);
    if (update.muted !== undefined) await this.mute(caller, roomId, userId, update.muted, update.mutedMinutes);
    const after = await this.rooms.findMembership(roomId, userId);
    if (!after?.member) throw new AppError(ErrorCode.NotFound, `User ${userId} is not a member of room ${roomId}`);
    return toMembershipView(after.member);
  }

  async mute(caller: PublicUser, roomId: number, userId: number, muted: boolean, minutes?: number): Promise<void> {
    const ctx = await this.access.require(roomId, caller, 'moderate');
    const target = await this.requireTarget(ctx, userId);
    const until = !muted ? null : minutes ? new Date(Date.now() + minutes * 60_000) : MUTED_INDEFINITELY;
    await this.members.setMutedUntil(roomId, userId, until);
    await this.access.changed(roomId);
    this.live.memberUpdated({ roomId, userId, role: target.role, mutedUntil: until });
    const text = muted ? `${target.nickname} was muted${minutes ? ` for ${minutes} min` : ''}` : `${target.nickname} was unmuted`;
    this.notice(roomId, muted ? 'mute' : 'unmute', userId, text);
  }

  async kick(caller: PublicUser, roomId: number, userId: number, reason?: string): Promise<void> {
    const ctx = await this.access.require(roomId, caller, 'moderate');
    const target = await this.requireTarget(ctx, userId);
    if (!(await this.members.remove(roomId, userId))) return;
    await this.access.changed(roomId);
    this.evict(ctx.room, userId, reason);
    this.live.removed(roomId, [userId], 'kicked');
    this.notice(roomId, 'kick', userId, `${target.nickname} was removed by ${caller.nickname}`);
    await this.note(ctx.room, `${target.nickname} was removed by ${caller.nickname}${reason ? `: ${reason}` : ''}`);
  }

  /** A ban also removes the membership; a user who is not a member can be banned ahead of time. */
  async ban(caller: PublicUser, roomId: number, userId: number, reason?: string): Promise<void> {
    const ctx = await this.access.require(roomId, caller, 'moderate');
    const user = await this.users.findById(userId);
    if (!user) throw new AppError(ErrorCode.NotFound, `User ${userId} does not exist`);
    const target = await this.rooms.findMembership(roomId, userId);
    if (!outranks(ctx.actor, { userId, roomRole: target?.member?.role ?? null })) {
      throw new AppError(ErrorCode.Forbidden, 'You cannot ban this user');
    }
    await this.members.ban(roomId, userId, caller.id, reason ?? null);
    await this.access.changed(roomId);
    if (target?.member) {
      this.evict(ctx.room, userId, reason);
      this.live.removed(roomId, [userId], 'banned');
    }
    this.notice(roomId, 'ban', userId, `${user.nickname} was banned by ${caller.nickname}`);
    if (target?.member) await this.note(ctx.room, `${user.nickname} was banned by ${caller.nickname}${reason ? `: ${reason}` : ''}`);
  }

  async unban(caller: PublicUser, roomId: number, userId: number): Promise<void> {
    await this.access.require(roomId, caller, 'moderate');
    if (!(await this.members.unban(roomId, userId))) throw new AppError(ErrorCode.NotFound, `User ${userId} is not banned here`);
    await this.access.changed(roomId);
  }

  async bans(caller: PublicUser, roomId: number): Promise<RoomBanView[]> {
    await this.access.require(roomId, caller, 'moderate');
    return (await this.members.bans(roomId)).map((b) => ({ ...b, createdAt: b.createdAt.toISOString() }));
  }

  private async selfMute(caller: PublicUser, roomId: number, update: MemberUpdate): Promise<MembershipView> {
    if (update.role !== undefined) throw new AppError(ErrorCode.Forbidden, 'You cannot change your own role');
    const { member } = await this.access.require(roomId, caller, 'beMember');
    await this.members.setSelfMuted(roomId, caller.id, update.muted ?? false);
    return toMembershipView({ ...member!, selfMuted: update.muted ?? false });
  }

  private async setRole(caller: PublicUser, roomId: number, userId: number, role: RoomRole): Promise<void> {
    const ctx = await this.access.require(roomId, caller, 'setRole');
    const target = await this.requireTarget(ctx, userId);
    if (role !== 'owner') await this.members.setRole(roomId, userId, role);
    else if (!(await this.members.transferOwnership(roomId, caller.id, userId))) {
      throw new AppError(ErrorCode.NotFound, `User ${userId} is no longer a member of this room`);
    }
    await this.access.changed(roomId);
    const mutedUntil = target.mutedUntil;
    this.live.memberUpdated({ roomId, userId, role, mutedUntil });
    if (role === 'owner') {
      // The old owner stays on as an admin (MembersRepository.transferOwnership), and the room has a new owner.
      const previous = await this.members.find(roomId, caller.id);
      if (previous) this.live.memberUpdated({ roomId, ...previous });
      await this.live.updated(roomId);
    }
  }

  /** The target must be a member the actor outranks. */
  private async requireTarget(ctx: RoomContext, userId: number): Promise<{ nickname: string; role: RoomRole; mutedUntil: Date | null }> {
    const target = await this.members.find(ctx.room.id, userId);
    if (!target) throw new AppError(ErrorCode.NotFound, `User ${userId} is not a member of this room`);
    if (!outranks(ctx.actor, { userId, roomRole: target.role })) {
      throw new AppError(ErrorCode.Forbidden, `You cannot act on this member (${target.role})`);
    }
    return target;
  }

  private evict(room: RoomEntity, userId: number, reason?: string): void {
    this.realtime.removeFromRoom(userId, room.id);
    this.realtime.clientSend({ user: userId }, 'kicked', { roomId: room.id, ...(reason ? { reason } : {}) });
  }

  private notice(roomId: number, kind: NoticeKind, userId: number, text: string): void {
    this.realtime.clientSend({ room: roomId }, 'notice', { roomId, kind, userId, text });
  }

  /** The room's history records the change (the messages feature stores the note). */
  private note(room: RoomEntity, note: string): Promise<void> {
    return this.events.emit('room.membership-changed', { room, note });
  }
}
