import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, IsPositive, Max } from 'class-validator';
import { MAX_MUTE_MINUTES, MODERATION_REASON_MAX_LENGTH, type RoomRole } from '@chat/contracts';
import { IsId } from '../../common/ids';
import { IsReason } from '../../common/text';

const ROLES: RoomRole[] = ['owner', 'admin', 'member', 'guest'];
export const IsMuteMinutes = () => applyDecorators(IsInt(), IsPositive(), Max(MAX_MUTE_MINUTES));

export class UpdateMemberDto {
  @ApiPropertyOptional({
    enum: ROLES,
    description: 'Owner only; `owner` hands the room over (the old owner becomes admin)',
    example: 'admin',
  })
  @IsOptional()
  @IsIn(ROLES)
  role?: RoomRole;

  @ApiPropertyOptional({ description: 'On another member: moderator mute. On yourself: self-mute (notifications).', example: true })
  @IsOptional()
  @IsBoolean()
  muted?: boolean;

  @ApiPropertyOptional({ type: 'integer', maximum: MAX_MUTE_MINUTES, description: 'Omitted with muted=true: until lifted', example: 10 })
  @IsOptional()
  @IsMuteMinutes()
  mutedMinutes?: number;
}

export class BanDto {
  @ApiProperty({ type: 'integer', example: 71 })
  @IsId()
  userId!: number;

  @ApiPropertyOptional({ maxLength: MODERATION_REASON_MAX_LENGTH, example: 'Spam links' })
  @IsOptional()
  @IsReason()
  reason?: string;
}
