import { Module } from '@nestjs/common';
import { MembersRepository } from '../moderation/members.repository';
import { MembershipCache } from './membership-cache';
import { RoomAccess } from './room-access';
import { RoomsRepository } from './rooms.repository';

/** Room and membership data and the access check, shared by the rooms, messages, moderation and realtime features. */
@Module({
  providers: [RoomsRepository, MembersRepository, MembershipCache, RoomAccess],
  exports: [RoomsRepository, MembersRepository, RoomAccess],
})
export class RoomsDataModule {}
