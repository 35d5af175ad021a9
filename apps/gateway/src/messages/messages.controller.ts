import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { MessageAccepted } from '@chat/contracts';
import type { AuthUser } from '../auth/auth-user';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { AuthService } from '../auth/auth.service';
import { senderOf } from '../realtime/realtime.server';
import { HistoryQueryDto, MessageIdParams, PostMessageDto } from './dto/message.dto';
import { type HistoryPage, MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller()
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly auth: AuthService,
  ) {}

  @Get('rooms/:id/messages')
  @ApiOperation({ summary: 'History: newest first, `before=<seq>` pages back, `after=<seq>` catches up oldest first' })
  history(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Query() query: HistoryQueryDto): Promise<HistoryPage> {
    return this.messages.history(auth, roomId, query);
  }

  /** The same pipeline as the socket's `message` event; 202 because persistence is asynchronous. */
  @Post('rooms/:id/messages')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send (the socket `message` pipeline): 202 once durably accepted' })
  async post(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Body() dto: PostMessageDto): Promise<MessageAccepted> {
    const sender = senderOf(await this.auth.me(auth));
    return this.messages.send(sender, { roomId, content: dto.content, clientMsgId: dto.clientMsgId });
  }

  @Delete('messages/:id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete: the author, a room moderator who outranks them, or a site admin; `message_deleted` is broadcast' })
  delete(@CurrentUser() auth: AuthUser, @Param() params: MessageIdParams): Promise<void> {
    return this.messages.delete(auth, params.id);
  }
}
