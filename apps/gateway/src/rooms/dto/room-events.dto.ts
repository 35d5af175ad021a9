import { IsBoolean } from 'class-validator';
import { IsSeq, RoomEventDto } from '../../common/ids';

/** Payloads of the room socket events (docs/EVENTS.md), validated like REST bodies. */

export class TypingDto extends RoomEventDto {
  @IsBoolean()
  typing!: boolean;
}

export class ReadEventDto extends RoomEventDto {
  @IsSeq()
  seq!: number;
}
