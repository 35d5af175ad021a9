import { IsInt, IsOptional, IsPositive, IsString, Length, Matches, ValidateIf } from 'class-validator';
import { MAX_MESSAGE_LENGTH } from '../../messages/dto/message.dto';

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
  @IsString()
  @Matches(/^[\x21-\x7e]{1,64}$/, { message: 'clientMsgId must be 1-64 printable ASCII characters' })
  clientMsgId?: string;
}
