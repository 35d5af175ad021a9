import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { PageQueryDto } from '../../common/page-query.dto';
import { Type } from 'class-transformer';
import { MAX_ATTACHMENTS_PER_MESSAGE, MAX_MENTIONS_PER_MESSAGE } from '@chat/contracts';
import { ArrayMaxSize, ArrayUnique, IsArray, IsOptional, IsString, Matches, ValidateBy, type ValidationArguments } from 'class-validator';
import { IsId, IsSeq, IsUlid, ULID_PATTERN } from '../../common/ids';
import { characterCount, textProblem, ValidateText } from '../../common/text';
import { emojiProblem } from '../emoji';

export const MAX_MESSAGE_LENGTH = 4000;

/** What makes a retry idempotent; the same rule for the REST body and the socket payload. */
export const IsClientMsgId = () =>
  applyDecorators(IsString(), Matches(/^[\x21-\x7e]{1,64}$/, { message: 'clientMsgId must be 1-64 printable ASCII characters' }));

/**
 * A message's text: 1–4,000 characters, or empty when the message carries attachments (the
 * object's `attachmentIds`).
 */
export const IsMessageText = () =>
  ValidateBy({
    name: 'isMessageText',
    validator: {
      validate: (value: unknown, args?: ValidationArguments) => messageTextProblem(value, args) === undefined,
      defaultMessage: (args?: ValidationArguments) => messageTextProblem(args?.value, args) ?? 'invalid message text',
    },
  });

function messageTextProblem(value: unknown, args?: ValidationArguments): string | undefined {
  const property = args?.property ?? 'content';
  const ids = (args?.object as { attachmentIds?: unknown } | undefined)?.attachmentIds;
  const withAttachments = Array.isArray(ids) && ids.length > 0;
  // API.md: `msg?` — with attachments the text may be left out as well as empty.
  if (value === undefined && withAttachments) return undefined;
  const problem = textProblem(value, property);
  if (problem || typeof value !== 'string') return problem;
  const count = characterCount(value);
  if (count === 0 && withAttachments) return undefined;
  if (count < 1 || count > MAX_MESSAGE_LENGTH) {
    return `${property} must be 1-${MAX_MESSAGE_LENGTH} characters long${count === 0 ? ' (it may be empty only with attachmentIds)' : ''}`;
  }
  return undefined;
}

/** Uploads (POST /rooms/:id/attachments) to send with a message. */
export const IsAttachmentIds = () =>
  applyDecorators(
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_ATTACHMENTS_PER_MESSAGE, { message: `attachmentIds may hold at most ${MAX_ATTACHMENTS_PER_MESSAGE} ids` }),
    ArrayUnique({ message: 'attachmentIds must not repeat an id' }),
    IsUlid('attachmentIds', { each: true }),
  );

/** The message a new one answers. */
export const IsReplyTo = () => applyDecorators(IsOptional(), IsString(), IsUlid('replyTo'));

/** Members a message mentions; repeats are harmless (each is mentioned once). */
export const IsMentions = () =>
  applyDecorators(
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_MENTIONS_PER_MESSAGE, { message: `mentions may hold at most ${MAX_MENTIONS_PER_MESSAGE} user ids` }),
    IsId({ each: true }),
  );

/** The new text of an edit: the same rule as a message's, without attachments to stand in for it. */
export class EditMessageDto {
  @ApiProperty({ minLength: 1, maxLength: MAX_MESSAGE_LENGTH, example: 'Mockups are in the shared folder (v3), @bob' })
  @IsMessageText()
  content!: string;
}

export class PostMessageDto {
  @ApiProperty({
    required: false,
    minLength: 0,
    maxLength: MAX_MESSAGE_LENGTH,
    description: 'Required, 1-4,000 characters, unless `attachmentIds` is given: then it may be empty or left out',
    example: 'Mockups are in the shared folder, @bob',
  })
  @IsMessageText()
  content?: string;

  @ApiPropertyOptional({
    description: 'Your own id for this send (1-64 printable ASCII characters): a retry with the same one is not sent twice',
    maxLength: 64,
    example: 'web-5f0c2a9e-0007',
  })
  @IsOptional()
  @IsClientMsgId()
  clientMsgId?: string;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_ATTACHMENTS_PER_MESSAGE,
    description: 'Your uploads to this room (POST /rooms/:id/attachments) that no message uses yet',
    example: ['01J9Z3K8Q4W5X6Y7Z8A9B0C1D2'],
  })
  @IsAttachmentIds()
  attachmentIds?: string[];

  @ApiPropertyOptional({ description: 'The id of a message of this room that this one answers', example: '01J9Z3F1M2N3P4Q5R6S7T8V9W0' })
  @IsReplyTo()
  replyTo?: string;

  @ApiPropertyOptional({
    type: [Number],
    maxItems: MAX_MENTIONS_PER_MESSAGE,
    description: 'User ids to mention; those who are not members of the room are dropped',
    example: [57],
  })
  @IsMentions()
  mentions?: number[];
}

/** The page size is the lists' own (PageQueryDto); the cursors are seqs. */
export class HistoryQueryDto extends PickType(PageQueryDto, ['limit'] as const) {
  @ApiPropertyOptional({ type: 'integer', description: 'Page back: messages with seq < before, newest first', example: 1235 })
  @IsOptional()
  @Type(() => Number)
  @IsSeq()
  before?: number;

  @ApiPropertyOptional({ type: 'integer', description: 'Catch up: messages with seq > after, oldest first', example: 1280 })
  @IsOptional()
  @Type(() => Number)
  @IsSeq()
  after?: number;
}

/** Message ids are ULIDs. */
export const IsMessageId = () => Matches(ULID_PATTERN, { message: 'id must be a message id (26-character ULID)' });

export class MessageIdParams {
  @ApiProperty({ example: '01J9Z3K8Q4W5X6Y7Z8A9B0C1D2' })
  @IsMessageId()
  id!: string;
}

/** One emoji grapheme: what a reaction is. */
export const IsEmoji = () => ValidateText('isEmoji', emojiProblem);

export class ReactionParams extends MessageIdParams {
  @ApiProperty({ example: '👍', description: 'One emoji (URL-encoded in the path)' })
  @IsEmoji()
  emoji!: string;
}
