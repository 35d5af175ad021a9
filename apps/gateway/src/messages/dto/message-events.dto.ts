import { IsOptional, IsString, ValidateIf } from 'class-validator';
import { IsSeq, RoomEventDto } from '../../common/ids';
import { IsPageLimit } from '../../common/page-query.dto';
import { IsText } from '../../common/text';
import { IsClientMsgId, IsMessageId, MAX_MESSAGE_LENGTH } from './message.dto';

/** Payloads of the message socket events (docs/EVENTS.md), with the REST bodies' rules. */

/** `message`: `{ room, msg, clientMsgId? }`, with `content` accepted for `msg`. */
export class SendMessageDto extends RoomEventDto {
  @ValidateIf((o: SendMessageDto) => o.content === undefined || o.msg !== undefined)
  @IsText({ min: 1, max: MAX_MESSAGE_LENGTH })
  msg?: string;

  @ValidateIf((o: SendMessageDto) => o.msg === undefined)
  @IsText({ min: 1, max: MAX_MESSAGE_LENGTH })
  content?: string;

  @IsOptional()
  @IsClientMsgId()
  clientMsgId?: string;
}

export class SyncDto extends RoomEventDto {
  @IsSeq()
  afterSeq!: number;

  @IsOptional()
  @IsPageLimit()
  limit?: number;
}

export class DeleteMessageDto {
  @IsString()
  @IsMessageId()
  id!: string;
}
