import { Injectable, Logger } from '@nestjs/common';
import type { RoomRemovedReason } from '@chat/contracts';
import type { RoomMemberEntity } from '@chat/database';
import { MembersRepository } from '../repositories/members.repository';
import { RealtimeRepository } from '../repositories/realtime.repository';
import { RoomsRepository } from '../repositories/rooms.repository';
import { RoomViews } from './room-views';
import { isMuted } from './room-view';

/**
 * Room state pushed to clients as it changes (API.md "Live room state"), so a room list needs no
 * polling: rooms added to and removed from a user's list on every socket of theirs, renames and
 * role or mute changes to the members. Sent after the change is committed; a failure to send is
 * logged, never the change's failure (a client reloading its list sees the truth).
 */
@Injectable()
export class LiveRoomState {
  private readonly logger = new Logger(LiveRoomState.name);

  constructor(
    private readonly rooms: RoomsRepository,
    private readonly members: MembersRepository,
    private readonly views: RoomViews,
    private readonly realtime: RealtimeRepository,
  ) {}

  /** `room_added` to each user: they created it, were invited, joined (on another tab), or were added to a direct conversation. */
  async added(roomId: number, userIds: number[]): Promise<void> {
    this.realtime.followRoom(userIds, roomId);
    try {
      // As each lists it: the name (an unnamed room leaves the viewer out) and the counts are theirs.
      for (const [user, room] of await this.views.listedBy(roomId, userIds)) this.realtime.clientSend({ user }, 'room_added', { room });
    } catch (error) {
      this.logger.warn(`room_added for room ${roomId} not sent: ${(error as Error).message}`);
    }
  }

  removed(roomId: number, userIds: number[], reason: RoomRemovedReason): void {
    this.realtime.clientSend({ users: userIds }, 'room_removed', { roomId, reason });
  }

  /** `room_updated` to every member, joined to the room on a socket or only listing it. */
  async updated(roomId: number): Promise<void> {
    try {
      const found = await this.rooms.findRoom(roomId);
      if (!found) return;
      const users = await this.members.memberIds(roomId);
      if (found.name !== null) {
        const [room] = await this.views.of([found]);
        this.realtime.clientSend({ room: roomId, users }, 'room_updated', { room });
        return;
      }
      // Named after its members as each of them sees it (the others' nicknames): one event each.
      for (const [user, room] of await this.views.asSeenBy(found, users)) this.realtime.clientSend({ user }, 'room_updated', { room });
    } catch (error) {
      this.logger.warn(`room_updated for room ${roomId} not sent: ${(error as Error).message}`);
    }
  }

  /** `member_updated` to the room (the member lists on screen), and to every socket of the member (their own role and mute). */
  memberUpdated(member: Pick<RoomMemberEntity, 'roomId' | 'userId' | 'role' | 'mutedUntil'>): void {
    const muted = isMuted(member.mutedUntil);
    this.realtime.clientSend({ room: member.roomId, users: [member.userId] }, 'member_updated', {
      roomId: member.roomId,
      userId: member.userId,
      role: member.role,
      muted,
      mutedUntil: muted ? (member.mutedUntil?.toISOString() ?? null) : null,
    });
  }
}
