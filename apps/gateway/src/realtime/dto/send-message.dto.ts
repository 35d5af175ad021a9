import { IsOptional, IsString, Length, ValidateIf } from 'class-validator';
import { IsClientMsgId, MAX_MESSAGE_LENGTH } from '../../messages/dto/message.dto';
import { IsId } from '../../common/ids';

/** `message` event payload: `{ room, msg, clientMsgId? }`, with `content` accepted for `msg`. */
export class SendMessageDto {
  @IsId()
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
