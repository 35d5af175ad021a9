import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as contract from '@chat/contracts';
import type { RoomsService } from '../rooms.service';

// A Record, so adding a role to the contract fails to compile until it is listed here.
const roomRoles: Record<contract.RoomRole, true> = { owner: true, admin: true, member: true, guest: true };
export const ROOM_ROLES = Object.keys(roomRoles) as contract.RoomRole[];

export class RoomView implements contract.RoomView {
  @ApiProperty({ type: 'integer' })
  id!: number;

  @ApiProperty({ description: "The room's name, or one made from its members' nicknames when it has none" })
  name!: string;

  @ApiProperty({ description: "True when `name` was made from the members' nicknames" })
  isNameGenerated!: boolean;

  @ApiProperty()
  isPrivate!: boolean;

  @ApiProperty({ type: 'integer', nullable: true, description: 'null once the last member has left' })
  ownerId!: number | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ type: String, nullable: true, description: 'Content of the newest chat message' })
  lastMessage!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  lastMessageAt!: string | null;

  @ApiProperty({ type: 'integer', description: 'The seq of the newest persisted message' })
  lastSeq!: number;
}

export class RoomDetails extends RoomView implements contract.RoomDetails {
  @ApiProperty({ type: 'integer' })
  memberCount!: number;

  @ApiProperty({ enum: ROOM_ROLES, enumName: 'RoomRole', nullable: true, description: 'Your role; null when not a member' })
  myRole!: contract.RoomRole | null;
}

export class MyRoomView extends RoomView implements contract.MyRoomView {
  @ApiProperty({ enum: ROOM_ROLES, enumName: 'RoomRole' })
  role!: contract.RoomRole;

  @ApiProperty({ type: 'integer', description: "Chat messages by others after your read marker (system messages don't count)" })
  unreadCount!: number;

  @ApiProperty({ type: 'integer' })
  lastReadSeq!: number;

  @ApiProperty({ description: "You muted this room's notifications" })
  selfMuted!: boolean;

  @ApiProperty({ type: 'integer', description: 'Messages mentioning you after your read marker' })
  mentionCount!: number;
}

export class DirectoryRoom extends RoomView implements contract.DirectoryRoom {
  @ApiProperty({ type: 'integer' })
  memberCount!: number;
}

export class RoomsPage implements contract.Page<contract.DirectoryRoom> {
  @ApiProperty({ type: [DirectoryRoom], description: 'Newest first' })
  items!: DirectoryRoom[];

  @ApiProperty({ type: 'integer', nullable: true, description: 'Pass as `cursor` for the next page; null at the end' })
  nextCursor!: number | null;
}

export class MembershipView implements contract.MembershipView {
  @ApiProperty({ type: 'integer' })
  roomId!: number;

  @ApiProperty({ type: 'integer' })
  userId!: number;

  @ApiProperty({ enum: ROOM_ROLES, enumName: 'RoomRole' })
  role!: contract.RoomRole;

  @ApiProperty({ description: 'Muted by a moderator: may not send' })
  muted!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the mute ends (9999-12-31 when until lifted)' })
  mutedUntil!: string | null;

  @ApiProperty({ description: "Muted the room's notifications themself" })
  selfMuted!: boolean;

  @ApiProperty({ format: 'date-time' })
  joinedAt!: string;
}

export class InviteResult implements contract.InviteResult {
  @ApiProperty({ type: 'integer', isArray: true, description: 'Users who became members' })
  added!: number[];

  @ApiProperty({ type: 'integer', isArray: true })
  alreadyMembers!: number[];

  @ApiPropertyOptional({ type: 'integer', isArray: true, description: 'Banned from the room, so not added; present only when some were' })
  banned?: number[];
}

export class ReadMarker implements Awaited<ReturnType<RoomsService['markRead']>> {
  @ApiProperty({ type: 'integer' })
  roomId!: number;

  @ApiProperty({ type: 'integer', description: 'Never moves back, and never past the newest message' })
  lastReadSeq!: number;
}

export class ReceiptView implements contract.ReceiptView {
  @ApiProperty({ type: 'integer' })
  userId!: number;

  @ApiProperty({ type: 'integer', description: 'The member has read every message up to this seq' })
  lastReadSeq!: number;
}
