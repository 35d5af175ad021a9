import { IsInt, IsOptional, IsPositive, IsString, Length, ValidateIf } from 'class-validator';
import { IsClientMsgId, MAX_MESSAGE_LENGTH } from '../../messages/dto/message.dto';

/** `message` event payload: `{ room, msg, clientMsgId? }`, with `content` accepted for `msg`. */
export class SendMessageDto {
  @IsInt()
  @IsPositive()
  room!: number;

  @ValidateIf((o: SendMessageDto) => o.content === undefined || o.msg !== undefined)
  @IsString()
  @Length(1, MAX_MESSAGE_LENGTH)
  msg?: string;

  @ValidateIf((o: SendMessageDto) => o.msg === undefined)
  @IsString()
  @Length(1, MAX_MESSAGE_LENGTH)
  content?: string;

  @IsOptional()
  @IsClientMsgId()
  clientMsgId?: string;
}
