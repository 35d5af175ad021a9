import { IsBoolean, IsInt, IsOptional, IsPositive, IsString, Max } from 'class-validator';
import { IsMessageId } from '../../messages/dto/message.dto';
import { MAX_MUTE_MINUTES } from '../../moderation/dto/moderation.dto';
import { IsId, IsSeq } from '../../common/ids';
import { IsText } from '../../common/text';

/** Payloads of the client → server socket events (API.md), validated like REST bodies. */

export class RoomOnlyDto {
  @IsId()
  room!: number;
}

export class TypingDto extends RoomOnlyDto {
  @IsBoolean()
  typing!: boolean;
}

export class ReadEventDto extends RoomOnlyDto {
  @IsSeq()
  seq!: number;
}

export class SyncDto extends RoomOnlyDto {
  @IsSeq()
  afterSeq!: number;

  @IsOptional()
  @IsInt()
  @IsPositive()
  @Max(100)
  limit?: number;
}

export class DeleteMessageDto {
  @IsString()
  @IsMessageId()
  id!: string;
}

export class ModerateDto extends RoomOnlyDto {
  @IsId()
  userId!: number;

  @IsOptional()
  @IsText({ min: 1, max: 500 })
  reason?: string;
}

export class MuteDto extends RoomOnlyDto {
  @IsId()
  userId!: number;

  @IsBoolean()
  muted!: boolean;

  @IsOptional()
  @IsInt()
  @IsPositive()
  @Max(MAX_MUTE_MINUTES)
  minutes?: number;
}
