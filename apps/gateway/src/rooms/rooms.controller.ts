import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, AuthService, CurrentUser } from '../auth';
import type { AuthUser } from '../common/auth-user';
import { ApiErrors, AUTH_ERRORS, INVALID_INPUT, JSON_BODY_ERRORS, ROOM_ERRORS } from '../common/api-errors.decorator';
import { CreateRoomDto, DirectoryQueryDto, DirectRoomDto, InviteDto, MarkReadDto, RenameRoomDto } from './dto/room.dto';
import { InviteResult, MembershipView, MyRoomView, ReadMarker, ReceiptView, RoomDetails, RoomsPage, RoomView } from './dto/room.response';
import { MineQueryDto } from './dto/mine-query.dto';
import { MINE_PAGE_MAX, RoomsService } from './rooms.service';

const ROOM_ACTIONS_LIMITED = 'too many room creations, invites, joins and leaves (per user, per minute)';

@ApiTags('rooms')
@ApiBearerAuth()
@ApiErrors(AUTH_ERRORS)
@UseGuards(AuthGuard)
@Controller('rooms')
export class RoomsController {
  constructor(
    private readonly rooms: RoomsService,
    private readonly auth: AuthService,
  ) {}

  @Post()
  @ApiOperation({
    operationId: 'rooms.create',
    summary: 'Create a room',
    description:
      'You become its owner and the invited users its members (they get `room_added`). Without a name, the room is named after its members.',
  })
  @ApiCreatedResponse({ type: RoomView })
  @ApiErrors(JSON_BODY_ERRORS, {
    VALIDATION_FAILED: INVALID_INPUT,
    NOT_FOUND: 'an invited user does not exist',
    FORBIDDEN: 'guests may not invite anyone',
    RATE_LIMITED: ROOM_ACTIONS_LIMITED,
  })
  async create(@CurrentUser() auth: AuthUser, @Body() dto: CreateRoomDto): Promise<RoomView> {
    return this.rooms.create(await this.auth.me(auth), dto);
  }

  /** Before `:id` routes, which would take `direct` for an id. */
  @Post('direct')
  @ApiOperation({
    operationId: 'rooms.direct.open',
    summary: 'Open the private conversation with someone',
    description:
      'Created (201) the first time either of the two opens it, the same room (200) every time after, from either side. Only with someone you share a room with; not for guests.',
  })
  @ApiCreatedResponse({ type: RoomView, description: 'Created: you are its owner, the other person a member (they get `room_added`)' })
  @ApiOkResponse({ type: RoomView, description: 'The conversation the two of you already have' })
  @ApiErrors(JSON_BODY_ERRORS, {
    VALIDATION_FAILED: 'not a user id, or your own',
    NOT_FOUND: 'no such user',
    FORBIDDEN: 'you share no room with this person, or you are a guest',
    RATE_LIMITED: ROOM_ACTIONS_LIMITED,
  })
  async direct(
    @CurrentUser() auth: AuthUser,
    @Body() dto: DirectRoomDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RoomView> {
    const { room, created } = await this.rooms.direct(await this.auth.me(auth), dto.userId);
    response.status(created ? 201 : 200);
    return room;
  }

  @Get()
  @ApiOperation({
    operationId: 'rooms.list',
    summary: 'The public room directory',
    description: "Public rooms, newest first, a page at a time (`cursor` is the previous page's `nextCursor`); `q` searches names.",
  })
  @ApiOkResponse({ type: RoomsPage })
  @ApiErrors({ VALIDATION_FAILED: INVALID_INPUT })
  directory(@CurrentUser() auth: AuthUser, @Query() query: DirectoryQueryDto): Promise<RoomsPage> {
    return this.rooms.directory(auth, query);
  }

  @Get('mine')
  @ApiOperation({
    operationId: 'rooms.mine.list',
    summary: 'My rooms, newest activity first, with last message and unread count',
    description: `At most \`limit\` rooms (default and maximum ${MINE_PAGE_MAX}). When there are more, the response carries \`X-Next-Cursor\` (pass it as \`cursor\`) and \`Link: <…>; rel="next"\`; the body stays an array.`,
  })
  @ApiOkResponse({
    type: [MyRoomView],
    headers: {
      'X-Next-Cursor': { description: 'The `cursor` of the next page; absent on the last page', schema: { type: 'string' } },
      Link: { description: 'The next page, as `<url>; rel="next"`; absent on the last page', schema: { type: 'string' } },
    },
  })
  @ApiErrors({ VALIDATION_FAILED: INVALID_INPUT })
  async mine(
    @CurrentUser() auth: AuthUser,
    @Query() query: MineQueryDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MyRoomView[]> {
    const { items, nextCursor } = await this.rooms.mine(auth, query);
    if (nextCursor) {
      const next = new URLSearchParams({ ...(query.limit ? { limit: String(query.limit) } : {}), cursor: nextCursor });
      response.setHeader('X-Next-Cursor', nextCursor);
      response.setHeader('Link', `</rooms/mine?${next.toString()}>; rel="next"`);
    }
    return items;
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'rooms.get',
    summary: 'A room',
    description: 'Its members may read it, and anyone may read a public room (`myRole` is then null).',
  })
  @ApiOkResponse({ type: RoomDetails })
  @ApiErrors({ ...ROOM_ERRORS, NOT_MEMBER: 'the room is private and you are not a member' })
  get(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<RoomDetails> {
    return this.rooms.get(auth, roomId);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'rooms.rename',
    summary: 'Rename a room',
    description: "The owner, room admins and site admins. `name: null` names the room after its members' nicknames again.",
  })
  @ApiOkResponse({ type: RoomView })
  @ApiErrors(ROOM_ERRORS, JSON_BODY_ERRORS, { FORBIDDEN: 'your role in the room is below admin' })
  rename(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Body() dto: RenameRoomDto): Promise<RoomView> {
    return this.rooms.rename(auth, roomId, dto.name);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'rooms.delete',
    summary: 'Delete a room',
    description: 'The owner or a site admin. Its members get `room_deleted`.',
  })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(ROOM_ERRORS, { FORBIDDEN: 'you are not the owner' })
  delete(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<void> {
    return this.rooms.delete(auth, roomId);
  }

  @Post(':id/join')
  @ApiOperation({
    operationId: 'rooms.join',
    summary: 'Join a public room',
    description:
      'A system message is posted (once per minute per user: repeats are merged). Joining a room you are in answers your membership.',
  })
  @ApiCreatedResponse({ type: MembershipView, description: 'The new membership, or the existing one when already a member' })
  @ApiErrors({
    VALIDATION_FAILED: INVALID_INPUT,
    NOT_FOUND: ROOM_ERRORS.NOT_FOUND,
    BANNED: ROOM_ERRORS.BANNED,
    FORBIDDEN: 'the room is private: members must invite you',
    CONFLICT: 'a concurrent join of yours is in progress',
    RATE_LIMITED: ROOM_ACTIONS_LIMITED,
  })
  async join(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<MembershipView> {
    return this.rooms.join(await this.auth.me(auth), roomId);
  }

  @Post(':id/leave')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'rooms.leave',
    summary: 'Leave a room',
    description: 'A system message is posted. An owner who leaves hands the room to the senior admin, or else the senior member.',
  })
  @ApiNoContentResponse({ description: 'Left' })
  @ApiErrors(ROOM_ERRORS, { RATE_LIMITED: ROOM_ACTIONS_LIMITED })
  async leave(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<void> {
    return this.rooms.leave(await this.auth.me(auth), roomId);
  }

  @Post(':id/invites')
  @ApiOperation({
    operationId: 'rooms.invites.create',
    summary: 'Invite users to a room',
    description:
      'Up to 100 at once. They become members and see messages from now on (they get `room_added`); users banned from the room are skipped.',
  })
  @ApiCreatedResponse({ type: InviteResult })
  @ApiErrors(
    { ...ROOM_ERRORS, NOT_FOUND: 'the room, or an invited user, does not exist' },
    { FORBIDDEN: 'guests may not invite', RATE_LIMITED: ROOM_ACTIONS_LIMITED, ...JSON_BODY_ERRORS },
  )
  async invite(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Body() dto: InviteDto): Promise<InviteResult> {
    return this.rooms.invite(await this.auth.me(auth), roomId, dto.userIds);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'rooms.read.mark',
    summary: 'Move my read marker forward',
    description: 'Drives `unreadCount` and `mentionCount` of GET /rooms/mine and the read receipts. It never moves back.',
  })
  @ApiOkResponse({ type: ReadMarker })
  @ApiErrors(ROOM_ERRORS, JSON_BODY_ERRORS)
  markRead(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Body() dto: MarkReadDto): Promise<ReadMarker> {
    return this.rooms.markRead(auth, roomId, dto.seq);
  }

  @Get(':id/receipts')
  @ApiOperation({
    operationId: 'rooms.receipts.list',
    summary: "Every member's read marker",
    description: 'Tells how many members have read each message: a member has read every message up to their `lastReadSeq`.',
  })
  @ApiOkResponse({ type: [ReceiptView] })
  @ApiErrors(ROOM_ERRORS)
  receipts(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<ReceiptView[]> {
    return this.rooms.receiptsOf(auth, roomId);
  }
}
