import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Put, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, AuthService, CurrentUser } from '../auth';
import { ApiErrors, AUTH_ERRORS, type ErrorCases, JSON_BODY_ERRORS, ROOM_ERRORS } from '../common/api-errors.decorator';
import type { AuthUser } from '../common/auth-user';
import { senderOf } from '../common/user-view';
import { RateLimitRepository } from '../repositories/rate-limit.repository';
import { EditMessageDto, HistoryQueryDto, MessageIdParams, PostMessageDto, ReactionParams } from './dto/message.dto';
import { ChatMessage, HistoryPage, MessageAccepted } from './dto/message.response';
import { MessageChanges } from './message-changes';
import { MessageDeletion } from './message-deletion';
import { MessageHistory } from './message-history';
import { MessagePublisher } from './message-publisher';

/** The shapes of a send, for the document. */
const SEND_EXAMPLES = {
  text: { summary: 'Text', value: { content: 'Standup in 5 minutes', clientMsgId: 'web-5f0c2a9e-0007' } },
  reply: {
    summary: 'A reply that mentions someone',
    value: { content: '@bob the mockups are in the shared folder', replyTo: '01J9Z3F1M2N3P4Q5R6S7T8V9W0', mentions: [57] },
  },
  attachment: {
    summary: 'An uploaded file, without text',
    value: { attachmentIds: ['01J9Z3K8Q4W5X6Y7Z8A9B0C1D2'], clientMsgId: 'web-5f0c2a9e-0008' },
  },
};

/** What editing and reacting answer besides their own refusals. */
const CHANGE_ERRORS = {
  VALIDATION_FAILED: 'the id is not a message id, the text or emoji is invalid, or the message has 20 different reactions already',
  NOT_FOUND: 'no such message (or deleted, or from before you joined)',
  NOT_MEMBER: "you are not a member of the message's room",
  BANNED: "you are banned from the message's room",
  MUTED: 'you are muted in the room',
  RATE_LIMITED: 'too many events (per user, across replicas)',
  UNAVAILABLE: 'the message was sent moments ago and is not stored yet (the worker is behind): retry',
} satisfies ErrorCases;

@ApiTags('messages')
@ApiBearerAuth()
@ApiErrors(AUTH_ERRORS)
@UseGuards(AuthGuard)
@Controller()
export class MessagesController {
  constructor(
    private readonly publisher: MessagePublisher,
    private readonly reads: MessageHistory,
    private readonly deletion: MessageDeletion,
    private readonly changes: MessageChanges,
    private readonly auth: AuthService,
    private readonly limits: RateLimitRepository,
  ) {}

  @Get('rooms/:id/messages')
  @ApiOperation({
    operationId: 'rooms.messages.list',
    summary: "A room's message history",
    description:
      'Newest first; `before=<seq>` pages back from there. `after=<seq>` catches up instead, oldest first (after a reconnection: the newest seq you have).',
  })
  @ApiOkResponse({ type: HistoryPage, description: 'Only messages from your invitation on; deleted messages are left out' })
  @ApiErrors(ROOM_ERRORS)
  history(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Query() query: HistoryQueryDto): Promise<HistoryPage> {
    return this.reads.history(auth, roomId, query);
  }

  /** The same pipeline as the socket's `message` event; 202 because persistence is asynchronous. */
  @Post('rooms/:id/messages')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'rooms.messages.send',
    summary: 'Send a message to a room',
    description:
      "The same pipeline as the socket `message` event: 202 once the message is durably queued, then broadcast as `message` to the room; the worker stores it moments later. A retry with the same `clientMsgId` answers the first send's id and seq and sends nothing twice.",
  })
  @ApiBody({ type: PostMessageDto, examples: SEND_EXAMPLES })
  @ApiAcceptedResponse({ type: MessageAccepted, description: 'Queued durably and broadcast as `message` to the room' })
  @ApiErrors(ROOM_ERRORS, JSON_BODY_ERRORS, {
    MUTED: 'you are muted in the room',
    CONFLICT: 'the `clientMsgId` was already used for a message to another room',
    RATE_LIMITED: 'you are sending too fast (per user, across replicas)',
    UNAVAILABLE:
      'the message could not be stored (nothing was broadcast: retry with the same clientMsgId), or sessions or rate limits cannot be checked right now',
  })
  async post(
    @CurrentUser() auth: AuthUser,
    @Param('id', ParseIntPipe) roomId: number,
    @Body() dto: PostMessageDto,
  ): Promise<MessageAccepted> {
    const sender = senderOf(await this.auth.me(auth));
    return this.publisher.send(sender, {
      roomId,
      content: dto.content ?? '',
      clientMsgId: dto.clientMsgId,
      attachmentIds: dto.attachmentIds,
      replyTo: dto.replyTo,
      mentions: dto.mentions,
    });
  }

  @Delete('messages/:id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'messages.delete',
    summary: 'Delete a message',
    description: 'The author, a room admin who outranks them, or a site admin. `message_deleted` is broadcast to the room.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors({
    VALIDATION_FAILED: 'the id is not a message id (26-character ULID)',
    NOT_FOUND: 'no such message (or already deleted)',
    NOT_MEMBER: "not your message, and you are not a member of the message's room",
    BANNED: "not your message, and you are banned from the message's room",
    FORBIDDEN: "you are below room admin (and not a site admin), or do not outrank the message's author",
  })
  delete(@CurrentUser() auth: AuthUser, @Param() params: MessageIdParams): Promise<void> {
    return this.deletion.delete(auth, params.id);
  }

  @Patch('messages/:id')
  @ApiOperation({
    operationId: 'messages.edit',
    summary: 'Edit a message',
    description: 'The author only, while still a member and not muted. `message_updated` is broadcast to the room.',
  })
  @ApiOkResponse({ type: ChatMessage, description: 'The message as it reads now' })
  @ApiErrors(CHANGE_ERRORS, JSON_BODY_ERRORS, { FORBIDDEN: 'not your message, or a system message' })
  async edit(@CurrentUser() auth: AuthUser, @Param() params: MessageIdParams, @Body() dto: EditMessageDto): Promise<ChatMessage> {
    // The socket's edit_message draws on the same per-user budget (EventBudgetGuard).
    await this.limits.consumeEvent(auth.id);
    return this.changes.edit(auth, params.id, dto.content);
  }

  @Put('messages/:id/reactions/:emoji')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'messages.reactions.add',
    summary: 'React to a message',
    description: 'One emoji per call; idempotent. `reaction` is broadcast to the room when it changes something.',
  })
  @ApiNoContentResponse({ description: 'Your reaction is on the message' })
  @ApiErrors(CHANGE_ERRORS)
  async react(@CurrentUser() auth: AuthUser, @Param() params: ReactionParams): Promise<void> {
    await this.limits.consumeEvent(auth.id);
    await this.changes.react(auth, params.id, params.emoji, true);
  }

  @Delete('messages/:id/reactions/:emoji')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'messages.reactions.remove',
    summary: 'Take a reaction back',
    description: 'Idempotent. `reaction` is broadcast to the room when it changes something.',
  })
  @ApiNoContentResponse({ description: 'Your reaction is not on the message' })
  @ApiErrors(CHANGE_ERRORS)
  async unreact(@CurrentUser() auth: AuthUser, @Param() params: ReactionParams): Promise<void> {
    await this.limits.consumeEvent(auth.id);
    await this.changes.react(auth, params.id, params.emoji, false);
  }
}
