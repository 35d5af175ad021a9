import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/page-query.dto';
import { Type } from 'class-transformer';
import { IsOptional, IsString, Matches } from 'class-validator';
import { IsSeq } from '../../common/ids';
import { IsText } from '../../common/text';

export const MAX_MESSAGE_LENGTH = 4000;

/** What makes a retry idempotent; the same rule for the REST body and the socket payload. */
export const IsClientMsgId = () =>
  applyDecorators(IsString(), Matches(/^[\x21-\x7e]{1,64}$/, { message: 'clientMsgId must be 1-64 printable ASCII characters' }));

export class PostMessageDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_MESSAGE_LENGTH })
  @IsText({ min: 1, max: MAX_MESSAGE_LENGTH })
  content!: string;

  @ApiPropertyOptional({ description: 'Makes a retry idempotent', maxLength: 64 })
  @IsOptional()
  @IsClientMsgId()
  clientMsgId?: string;
}

/** The page size is the lists' own (PageQueryDto); the cursors are seqs. */
export class HistoryQueryDto extends PickType(PageQueryDto, ['limit'] as const) {
  @ApiPropertyOptional({ description: 'Page back: messages with seq < before, newest first' })
  @IsOptional()
  @Type(() => Number)
  @IsSeq()
  before?: number;

  @ApiPropertyOptional({ description: 'Catch up: messages with seq > after, oldest first' })
  @IsOptional()
  @Type(() => Number)
  @IsSeq()
  after?: number;
}

/** Message ids are ULIDs. */
export const IsMessageId = () => Matches(/^[0-9A-HJKMNP-TV-Z]{26}$/, { message: 'id must be a message id (26-character ULID)' });

export class MessageIdParams {
  @ApiProperty({ example: '01J9Z3K8Q4W5X6Y7Z8A9B0C1D2' })
  @IsMessageId()
  id!: string;
}
