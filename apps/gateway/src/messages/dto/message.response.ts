import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type * as contract from '@chat/contracts';
import { REPLY_EXCERPT_LENGTH } from '@chat/contracts';
import { AttachmentView } from '../../attachments';
import { SITE_ROLES } from '../../common/dto/public-user.response';

const messageTypes: Record<contract.MessageType, true> = { chat: true, system: true };

export class MessageSender implements contract.MessageSender {
  @ApiProperty({ type: 'integer', example: 42 })
  id!: number;

  @ApiProperty({ description: 'As it was when the message was sent', example: 'alice' })
  nickname!: string;

  @ApiProperty({ enum: SITE_ROLES, enumName: 'SiteRole', description: "The sender's site-wide role" })
  role!: contract.SiteRole;
}

export class ChatMessage implements contract.ChatMessage {
  @ApiProperty({ description: 'Globally unique, sortable by time (ULID)', example: '01J9Z3K8Q4W5X6Y7Z8A9B0C1D2' })
  id!: string;

  @ApiProperty({ type: 'integer', description: 'Strictly increasing per room', example: 1284 })
  seq!: number;

  @ApiProperty({ type: 'integer', example: 7 })
  roomId!: number;

  @ApiProperty({ example: 'Mockups are in the shared folder, @bob' })
  content!: string;

  @ApiProperty({ enum: Object.keys(messageTypes), enumName: 'MessageType', description: '`system`: join, leave, invite, kick, ban notes' })
  type!: contract.MessageType;

  @ApiProperty({ type: MessageSender, nullable: true, description: 'null for system messages' })
  sender!: MessageSender | null;

  @ApiProperty({ format: 'date-time', example: '2026-05-14T09:30:12.000Z' })
  createdAt!: string;

  @ApiPropertyOptional({ description: "The sender's own id for the send, when it gave one", example: 'web-5f0c2a9e-0007' })
  clientMsgId?: string;

  @ApiProperty({ type: [AttachmentView], description: 'Files and images sent with the message, in order; empty for most' })
  attachments!: AttachmentView[];

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the author last edited it; null if never',
    example: null,
  })
  editedAt!: string | null;

  @ApiProperty({ type: () => ReplyRef, nullable: true, description: 'The message this one answers' })
  replyTo!: ReplyRef | null;

  @ApiProperty({ type: [Number], description: 'Ids of the members it mentions', example: [57] })
  mentions!: number[];

  @ApiProperty({ type: () => [ReactionCount], description: 'Per emoji, most used first' })
  reactions!: ReactionCount[];
}

export class ReplyRef implements contract.ReplyRef {
  @ApiProperty({ example: '01J9Z3F1M2N3P4Q5R6S7T8V9W0' })
  id!: string;

  @ApiProperty({ type: 'integer', example: 1279 })
  seq!: number;

  @ApiProperty({ type: 'integer', nullable: true, example: 57 })
  senderId!: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: `The first ${REPLY_EXCERPT_LENGTH} characters of the quoted message as it reads now; null once it is deleted`,
    example: 'Where did the new mockups go?',
  })
  excerpt!: string | null;
}

export class ReactionCount implements contract.ReactionCount {
  @ApiProperty({ example: '👍' })
  emoji!: string;

  @ApiProperty({ type: 'integer', example: 3 })
  count!: number;

  @ApiPropertyOptional({ description: 'Whether you reacted with it', example: true })
  me?: boolean;
}

export class HistoryPage implements contract.HistoryPage {
  @ApiProperty({ type: [ChatMessage], description: 'Newest first; oldest first with `after`' })
  messages!: ChatMessage[];

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'The seq to pass as the same parameter (`before`, or `after`) for the next page; null at the end',
    example: 1235,
  })
  nextCursor!: number | null;
}

export class MessageAccepted implements contract.MessageAccepted {
  @ApiProperty({ example: '01J9Z3K8Q4W5X6Y7Z8A9B0C1D2' })
  id!: string;

  @ApiProperty({ type: 'integer', example: 1285 })
  seq!: number;

  @ApiProperty({ format: 'date-time', example: '2026-05-14T09:31:40.000Z' })
  createdAt!: string;
}
