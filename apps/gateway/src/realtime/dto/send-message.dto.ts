import { IsOptional, ValidateIf } from 'class-validator';
import { IsClientMsgId, MAX_MESSAGE_LENGTH } from '../../messages/dto/message.dto';
import { IsId } from '../../common/ids';
import { IsText } from '../../common/text';

/** `message` event payload: `{ room, msg, clientMsgId? }`, with `content` accepted for `msg`. */
export class SendMessageDto {
  @IsId()
  room!: number;

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
