import { ApiProperty } from '@nestjs/swagger';
import type * as contract from '@chat/contracts';
import { ROOM_ROLES } from '../../rooms';

export class MemberView implements contract.MemberView {
  @ApiProperty({ type: 'integer' })
  userId!: number;

  @ApiProperty()
  nickname!: string;

  @ApiProperty({ enum: ROOM_ROLES, enumName: 'RoomRole' })
  role!: contract.RoomRole;

  @ApiProperty({ description: 'Muted by a moderator' })
  muted!: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When the mute ends (9999-12-31 when until lifted)' })
  mutedUntil!: string | null;

  @ApiProperty({ description: 'Has a live socket on any replica' })
  online!: boolean;
}

export class RoomBanView implements contract.RoomBanView {
  @ApiProperty({ type: 'integer' })
  userId!: number;

  @ApiProperty()
  nickname!: string;

  @ApiProperty({ type: String, nullable: true })
  reason!: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'The moderator who banned' })
  bannedBy!: number | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;
}

/** The answer to a ban: which user is now banned. */
export class BanResult {
  @ApiProperty({ type: 'integer' })
  userId!: number;
}
