import { IsOptional, IsString, ValidateIf } from 'class-validator';
import { IsSeq, RoomEventDto } from '../../common/ids';
import { IsPageLimit } from '../../common/page-query.dto';
import { IsAttachmentIds, IsClientMsgId, IsMessageId, IsMessageText } from './message.dto';

/** Payloads of the message socket events (docs/EVENTS.md), with the REST bodies' rules. */

/** `message`: `{ room, msg, clientMsgId?, attachmentIds? }`, with `content` accepted for `msg`. */
export class SendMessageDto extends RoomEventDto {
  @ValidateIf((o: SendMessageDto) => o.content === undefined || o.msg !== undefined)
  @IsMessageText()
  msg?: string;

  @ValidateIf((o: SendMessageDto) => o.msg === undefined)
  @IsMessageText()
  content?: string;

  @IsOptional()
  @IsClientMsgId()
  clientMsgId?: string;

  @IsAttachmentIds()
  attachmentIds?: string[];
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
