import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, AuthService, CurrentUser } from '../auth';
import { ApiErrors, AUTH_ERRORS, ROOM_ERRORS } from '../common/api-errors.decorator';
import type { AuthUser } from '../common/auth-user';
import { senderOf } from '../common/user-view';
import { HistoryQueryDto, MessageIdParams, PostMessageDto } from './dto/message.dto';
import { HistoryPage, MessageAccepted } from './dto/message.response';
import { MessageDeletion } from './message-deletion';
import { MessageHistory } from './message-history';
import { MessagePublisher } from './message-publisher';

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
    private readonly auth: AuthService,
  ) {}

  @Get('rooms/:id/messages')
  @ApiOperation({ summary: 'History: newest first, `before=<seq>` pages back, `after=<seq>` catches up oldest first' })
  @ApiOkResponse({ type: HistoryPage, description: 'Only messages from your invitation on; deleted messages are left out' })
  @ApiErrors(ROOM_ERRORS)
  history(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Query() query: HistoryQueryDto): Promise<HistoryPage> {
    return this.reads.history(auth, roomId, query);
  }

  /** The same pipeline as the socket's `message` event; 202 because persistence is asynchronous. */
  @Post('rooms/:id/messages')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send (the socket `message` pipeline): 202 once durably accepted' })
  @ApiAcceptedResponse({ type: MessageAccepted, description: 'Queued durably and broadcast as `message` to the room' })
  @ApiErrors(ROOM_ERRORS, {
    MUTED: 'you are muted in the room',
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
    });
  }

  @Delete('messages/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete: the author, a room moderator who outranks them, or a site admin; `message_deleted` is broadcast' })
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
}
