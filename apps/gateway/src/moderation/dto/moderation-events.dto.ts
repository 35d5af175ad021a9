import { IsBoolean, IsOptional } from 'class-validator';
import { IsId, RoomEventDto } from '../../common/ids';
import { IsReason } from '../../common/text';
import { IsMuteMinutes } from './moderation.dto';

/** Payloads of kick_user, ban_user and mute_user: the REST bodies' rules, under the socket's names. */

export class ModerateDto extends RoomEventDto {
  @IsId()
  userId!: number;

  @IsOptional()
  @IsReason()
  reason?: string;
}

export class MuteDto extends RoomEventDto {
  @IsId()
  userId!: number;

  @IsBoolean()
  muted!: boolean;

  @IsOptional()
  @IsMuteMinutes()
  minutes?: number;
}
