import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { DirectoryRoom, InviteResult, MembershipView, MyRoomView, Page, RoomDetails, RoomView } from '@chat/contracts';
import type { AuthUser } from '../auth/auth-user';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { AuthService } from '../auth/auth.service';
import { CreateRoomDto, DirectoryQueryDto, InviteDto, MarkReadDto, RenameRoomDto } from './dto/room.dto';
import { RoomsService } from './rooms.service';

@ApiTags('rooms')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('rooms')
export class RoomsController {
  constructor(
    private readonly rooms: RoomsService,
    private readonly auth: AuthService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create a room; you become its owner, invited users its members' })
  async create(@CurrentUser() auth: AuthUser, @Body() dto: CreateRoomDto): Promise<RoomView> {
    return this.rooms.create(await this.auth.me(auth), dto);
  }

  @Get()
  @ApiOperation({ summary: 'Public room directory, newest first; `q` searches names' })
  directory(@CurrentUser() auth: AuthUser, @Query() query: DirectoryQueryDto): Promise<Page<DirectoryRoom>> {
    return this.rooms.directory(auth, query);
  }

  @Get('mine')
  @ApiOperation({ summary: 'My rooms, newest activity first, with last message and unread count' })
  mine(@CurrentUser() auth: AuthUser): Promise<MyRoomView[]> {
    return this.rooms.mine(auth);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A room: members, or anyone for a public room' })
  get(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<RoomDetails> {
    return this.rooms.get(auth, roomId);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename: owner, room admins, site admins' })
  rename(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Body() dto: RenameRoomDto): Promise<RoomView> {
    return this.rooms.rename(auth, roomId, dto.name);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete: owner, site admins; members get `room_deleted`' })
  delete(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<void> {
    return this.rooms.delete(auth, roomId);
  }

  @Post(':id/join')
  @ApiOperation({ summary: 'Join a public room; a system message is posted' })
  async join(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<MembershipView> {
    return this.rooms.join(await this.auth.me(auth), roomId);
  }

  @Post(':id/leave')
  @HttpCode(204)
  @ApiOperation({ summary: 'Leave; a system message is posted (an owner who leaves hands the room to the senior admin or member)' })
  async leave(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<void> {
    return this.rooms.leave(await this.auth.me(auth), roomId);
  }

  @Post(':id/invites')
  @ApiOperation({ summary: 'Invite users (up to 100): they become members and see messages from now on' })
  async invite(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Body() dto: InviteDto): Promise<InviteResult> {
    return this.rooms.invite(await this.auth.me(auth), roomId, dto.userIds);
  }

  @Post(':id/read')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move my read marker forward (drives unreadCount)' })
  markRead(
    @CurrentUser() auth: AuthUser,
    @Param('id', ParseIntPipe) roomId: number,
    @Body() dto: MarkReadDto,
  ): Promise<{ roomId: number; lastReadSeq: number }> {
    return this.rooms.markRead(auth, roomId, dto.seq);
  }
}
