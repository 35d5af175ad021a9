import { IsBoolean, IsOptional, IsString, ValidateIf } from 'class-validator';
import { IsSeq, RoomEventDto } from '../../common/ids';
import { IsPageLimit } from '../../common/page-query.dto';
import { IsAttachmentIds, IsClientMsgId, IsEmoji, IsMentions, IsMessageId, IsMessageText, IsReplyTo } from './message.dto';

/** Payloads of the message socket events (docs/EVENTS.md), with the REST bodies' rules. */

/** `message`: `{ room, msg, clientMsgId?, attachmentIds?, replyTo?, mentions? }`, with `content` accepted for `msg`. */
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

  @IsReplyTo()
  replyTo?: string;

  @IsMentions()
  mentions?: number[];
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

/** `edit_message`: `{ id, msg }`, with `content` accepted for `msg`. */
export class EditMessageEventDto {
  @IsString()
  @IsMessageId()
  id!: string;

  @ValidateIf((o: EditMessageEventDto) => o.content === undefined || o.msg !== undefined)
  @IsMessageText()
  msg?: string;

  @ValidateIf((o: EditMessageEventDto) => o.msg === undefined)
  @IsMessageText()
  content?: string;
}

/** `react`: `{ id, emoji, on }`. */
export class ReactDto {
  @IsString()
  @IsMessageId()
  id!: string;

  @IsEmoji()
  emoji!: string;

  @IsBoolean()
  on!: boolean;
}
