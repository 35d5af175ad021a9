import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as contract from '@chat/contracts';
import type { RoomsService } from '../rooms.service';

// A Record, so adding a role to the contract fails to compile until it is listed here.
const roomRoles: Record<contract.RoomRole, true> = { owner: true, admin: true, member: true, guest: true };
export const ROOM_ROLES = Object.keys(roomRoles) as contract.RoomRole[];

export class RoomView implements contract.RoomView {
  @ApiProperty({ type: 'integer', example: 7 })
  id!: number;

  @ApiProperty({ description: "The room's name, or one made from its members' nicknames when it has none", example: 'Design review' })
  name!: string;

  @ApiProperty({ description: "True when `name` was made from the members' nicknames", example: false })
  isNameGenerated!: boolean;

  @ApiProperty({ example: false })
  isPrivate!: boolean;

  @ApiProperty({ type: 'integer', nullable: true, description: 'null once the last member has left', example: 42 })
  ownerId!: number | null;

  @ApiProperty({ format: 'date-time', example: '2026-05-11T08:15:00.000Z' })
  createdAt!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Content of the newest chat message',
    example: 'Mockups are in the shared folder',
  })
  lastMessage!: string | null;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, example: '2026-05-14T09:30:12.000Z' })
  lastMessageAt!: string | null;

  @ApiProperty({ type: 'integer', description: 'The seq of the newest persisted message', example: 1284 })
  lastSeq!: number;
}

export class RoomDetails extends RoomView implements contract.RoomDetails {
  @ApiProperty({ type: 'integer', example: 12 })
  memberCount!: number;

  /**
   * Written out rather than as the RoomRole schema: OpenAPI 3.0's `nullable` applies only next to
   * a `type`, and an enum admits null only when it lists it.
   */
  @ApiProperty({
    type: 'string',
    enum: [...ROOM_ROLES, null] as string[],
    nullable: true,
    description: 'Your role in the room (a RoomRole); null when you are not a member',
    example: 'member',
  })
  myRole!: contract.RoomRole | null;
}

export class MyRoomView extends RoomView implements contract.MyRoomView {
  @ApiProperty({ enum: ROOM_ROLES, enumName: 'RoomRole', description: 'Your role in the room' })
  role!: contract.RoomRole;

  @ApiProperty({ type: 'integer', description: "Chat messages by others after your read marker (system messages don't count)", example: 3 })
  unreadCount!: number;

  @ApiProperty({ type: 'integer', example: 1281 })
  lastReadSeq!: number;

  @ApiProperty({ description: "You muted this room's notifications", example: false })
  selfMuted!: boolean;

  @ApiProperty({ type: 'integer', description: 'Messages mentioning you after your read marker', example: 1 })
  mentionCount!: number;
}

export class DirectoryRoom extends RoomView implements contract.DirectoryRoom {
  @ApiProperty({ type: 'integer', example: 12 })
  memberCount!: number;
}

export class RoomsPage implements contract.Page<contract.DirectoryRoom> {
  @ApiProperty({ type: [DirectoryRoom], description: 'Newest first' })
  items!: DirectoryRoom[];

  @ApiProperty({ type: 'integer', nullable: true, description: 'Pass as `cursor` for the next page; null at the end', example: 5 })
  nextCursor!: number | null;
}

export class MembershipView implements contract.MembershipView {
  @ApiProperty({ type: 'integer', example: 7 })
  roomId!: number;

  @ApiProperty({ type: 'integer', example: 57 })
  userId!: number;

  @ApiProperty({ enum: ROOM_ROLES, enumName: 'RoomRole', description: 'The role in the room' })
  role!: contract.RoomRole;

  @ApiProperty({ description: 'Muted by a moderator: may not send', example: false })
  muted!: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the mute ends (9999-12-31 when until lifted)',
    example: null,
  })
  mutedUntil!: string | null;

  @ApiProperty({ description: "Muted the room's notifications themself", example: false })
  selfMuted!: boolean;

  @ApiProperty({ format: 'date-time', example: '2026-05-12T14:02:45.000Z' })
  joinedAt!: string;
}

export class InviteResult implements contract.InviteResult {
  @ApiProperty({ type: 'integer', isArray: true, description: 'Users who became members', example: [57, 63] })
  added!: number[];

  @ApiProperty({ type: 'integer', isArray: true, example: [42] })
  alreadyMembers!: number[];

  @ApiPropertyOptional({
    type: 'integer',
    isArray: true,
    description: 'Banned from the room, so not added; present only when some were',
    example: [71],
  })
  banned?: number[];
}

export class ReadMarker implements Awaited<ReturnType<RoomsService['markRead']>> {
  @ApiProperty({ type: 'integer', example: 7 })
  roomId!: number;

  @ApiProperty({ type: 'integer', description: 'Never moves back, and never past the newest message', example: 1284 })
  lastReadSeq!: number;
}

export class ReceiptView implements contract.ReceiptView {
  @ApiProperty({ type: 'integer', example: 57 })
  userId!: number;

  @ApiProperty({ type: 'integer', description: 'The member has read every message up to this seq', example: 1281 })
  lastReadSeq!: number;
}
