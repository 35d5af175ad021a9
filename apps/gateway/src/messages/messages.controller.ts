import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { MessageAccepted } from '@chat/contracts';
import type { AuthUser } from '../auth/auth-user';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { AuthService } from '../auth/auth.service';
import { senderOf } from '../realtime/realtime.server';
import { HistoryQueryDto, PostMessageDto } from './dto/message.dto';
import { type HistoryPage, MessagesService } from './messages.service';

@ApiTags('messages')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('rooms/:id/messages')
export class MessagesController {
  constructor(
    private readonly messages: MessagesService,
    private readonly auth: AuthService,
  ) {}

  @Get()
  history(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Query() query: HistoryQueryDto): Promise<HistoryPage> {
    return this.messages.history(auth.id, roomId, query);
  }

  /** The same pipeline as the socket's `message` event; 202 because persistence is asynchronous. */
  @Post()
  @HttpCode(202)
  async post(
    @CurrentUser() auth: AuthUser,
    @Param('id', ParseIntPipe) roomId: number,
    @Body() dto: PostMessageDto,
  ): Promise<MessageAccepted> {
    const sender = senderOf(await this.auth.me(auth));
    return this.messages.send(sender, { roomId, content: dto.content, clientMsgId: dto.clientMsgId });
  }
}
