import { ApiProperty } from '@nestjs/swagger';
import type * as contract from '@chat/contracts';
import { ROOM_ROLES } from '../../rooms';

export class MemberView implements contract.MemberView {
  @ApiProperty({ type: 'integer', example: 57 })
  userId!: number;

  @ApiProperty({ example: 'bob' })
  nickname!: string;

  @ApiProperty({ enum: ROOM_ROLES, enumName: 'RoomRole', description: 'The role in the room' })
  role!: contract.RoomRole;

  @ApiProperty({ description: 'Muted by a moderator', example: true })
  muted!: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the mute ends (9999-12-31 when until lifted)',
    example: '2026-05-14T10:00:00.000Z',
  })
  mutedUntil!: string | null;

  @ApiProperty({ description: 'Has a live socket on any replica', example: true })
  online!: boolean;
}

export class RoomBanView implements contract.RoomBanView {
  @ApiProperty({ type: 'integer', example: 71 })
  userId!: number;

  @ApiProperty({ example: 'mallory' })
  nickname!: string;

  @ApiProperty({ type: String, nullable: true, example: 'Spam links' })
  reason!: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'The moderator who banned', example: 42 })
  bannedBy!: number | null;

  @ApiProperty({ format: 'date-time', example: '2026-05-13T18:40:00.000Z' })
  createdAt!: string;
}

/** The answer to a ban: which user is now banned. */
export class BanResult {
  @ApiProperty({ type: 'integer', example: 71 })
  userId!: number;
}
