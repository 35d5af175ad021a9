import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, type SiteRole } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { may, type RoomAction, type RoomActor } from './room-policy';
import { MembershipCache } from '../repositories/membership.cache';
import { type MembershipRow, RoomsRepository } from '../repositories/rooms.repository';

export interface Caller {
  id: number;
  role: SiteRole;
}

export type RoomContext = MembershipRow & { actor: RoomActor & { userId: number } };

/**
 * Loads a room with the caller's membership and applies the room policy, with the contract's
 * codes. Sends read memberships through the per-replica cache; everything else reads MySQL.
 */
@Injectable()
export class RoomAccess {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly rooms: RoomsRepository,
    private readonly cache: MembershipCache,
  ) {}

  /** Every service that changes who is in a room, or their mute or ban, calls this afterwards. */
  changed(roomId: number): Promise<void> {
    return this.cache.changed(roomId);
  }

  async require(roomId: number, caller: Caller, action: RoomAction): Promise<RoomContext> {
    const membership = action === 'send' ? await this.cache.get(roomId, caller.id) : await this.rooms.findMembership(roomId, caller.id);
    if (!membership) throw new AppError(ErrorCode.NotFound, `Room ${roomId} does not exist`);
    // Whatever else holds (a membership that outlived the ban, a role), a ban leaves only what
    // anyone signed in may do: see a public room's details.
    if (membership.banned && action !== 'view') throw new AppError(ErrorCode.Banned, 'You are banned from this room');
    const actor = {
      userId: caller.id,
      siteRole: caller.role,
      roomRole: membership.member?.role ?? null,
      publicRoom: !membership.room.isPrivate,
    };
    if (!may(actor, action)) {
      if (membership.banned) throw new AppError(ErrorCode.Banned, 'You are banned from this room');
      if (!membership.member) throw new AppError(ErrorCode.NotMember, 'You are not a member of this room');
      throw new AppError(ErrorCode.Forbidden, `Your role in this room (${membership.member.role}) does not allow this`);
    }
    if (!membership.member && caller.role === 'admin' && !(action === 'view' && actor.publicRoom)) {
      // Site admins may look into any room (that is how abuse gets handled): leave a trail.
      this.logger.log(
        { audit: 'site-admin-access', adminId: caller.id, roomId, action },
        'site admin acted in a room they are not a member of',
      );
    }
    return { ...membership, actor };
  }
}
