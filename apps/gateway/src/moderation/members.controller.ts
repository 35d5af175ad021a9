import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { MODERATION_REASON_MAX_LENGTH } from '@chat/contracts';
import { AuthGuard, AuthService, CurrentUser } from '../auth';
import { ApiErrors, AUTH_ERRORS, JSON_BODY_ERRORS, ROOM_ERRORS } from '../common/api-errors.decorator';
import type { AuthUser } from '../common/auth-user';
import { MembershipView } from '../rooms';
import { BanDto, UpdateMemberDto } from './dto/moderation.dto';
import { BanResult, MemberView, RoomBanView } from './dto/moderation.response';
import { ModerationService } from './moderation.service';

@ApiTags('moderation')
@ApiBearerAuth()
@ApiErrors(AUTH_ERRORS)
@UseGuards(AuthGuard)
@Controller('rooms/:id')
export class MembersController {
  constructor(
    private readonly moderation: ModerationService,
    private readonly auth: AuthService,
  ) {}

  @Get('members')
  @ApiOperation({
    operationId: 'rooms.members.list',
    summary: "A room's members",
    description: 'Each with role, mute state and whether they are online (a socket on any replica).',
  })
  @ApiOkResponse({ type: [MemberView], description: 'Owner first, then admins, members and guests, each by seniority' })
  @ApiErrors(ROOM_ERRORS)
  async members(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<MemberView[]> {
    return this.moderation.list(await this.auth.me(auth), roomId);
  }

  @Patch('members/:userId')
  @ApiOperation({
    operationId: 'rooms.members.update',
    summary: "Change a member's role or mute",
    description:
      'The owner gives roles (`owner` hands the room over); the owner and admins mute members they outrank; anyone may mute the room for themself (`muted` on yourself is a self-mute of notifications).',
  })
  @ApiOkResponse({ type: MembershipView, description: 'The membership after the change' })
  @ApiErrors(ROOM_ERRORS, JSON_BODY_ERRORS, {
    VALIDATION_FAILED: `${ROOM_ERRORS.VALIDATION_FAILED}; or neither role nor muted given`,
    FORBIDDEN: 'only the owner gives roles; muting needs room admin (or site admin) and a member you outrank; your own role cannot change',
    NOT_FOUND: 'the room does not exist, or the user is not a member',
  })
  async update(
    @CurrentUser() auth: AuthUser,
    @Param('id', ParseIntPipe) roomId: number,
    @Param('userId', ParseIntPipe) userId: number,
    @Body() dto: UpdateMemberDto,
  ): Promise<MembershipView> {
    return this.moderation.update(await this.auth.me(auth), roomId, userId, dto);
  }

  @Delete('members/:userId')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'rooms.members.kick',
    summary: 'Kick a member',
    description:
      'Room admins and site admins, on a member they outrank. The membership goes and their sockets leave the room on every replica; a ban also keeps them from coming back.',
  })
  @ApiNoContentResponse({ description: 'Kicked (or was no longer a member)' })
  @ApiErrors(ROOM_ERRORS, {
    FORBIDDEN: 'you are below room admin (and not a site admin), or do not outrank the member',
    NOT_FOUND: 'the room does not exist, or the user is not a member',
  })
  @ApiQuery({ name: 'reason', required: false })
  async kick(
    @CurrentUser() auth: AuthUser,
    @Param('id', ParseIntPipe) roomId: number,
    @Param('userId', ParseIntPipe) userId: number,
    @Query('reason') reason?: string,
  ): Promise<void> {
    return this.moderation.kick(
      await this.auth.me(auth),
      roomId,
      userId,
      typeof reason === 'string' ? reason.slice(0, MODERATION_REASON_MAX_LENGTH) : undefined,
    );
  }

  @Post('bans')
  @ApiOperation({
    operationId: 'rooms.bans.create',
    summary: 'Ban a user from a room',
    description:
      'Room admins and site admins, on a user they outrank. Also kicks them; they cannot join or be invited until the ban is lifted.',
  })
  @ApiCreatedResponse({ type: BanResult })
  @ApiErrors(ROOM_ERRORS, JSON_BODY_ERRORS, {
    FORBIDDEN: 'you are below room admin (and not a site admin), or do not outrank the user',
    NOT_FOUND: 'the room or the user does not exist',
  })
  async ban(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Body() dto: BanDto): Promise<BanResult> {
    await this.moderation.ban(await this.auth.me(auth), roomId, dto.userId, dto.reason);
    return { userId: dto.userId };
  }

  @Delete('bans/:userId')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'rooms.bans.delete',
    summary: 'Lift a ban',
    description: 'Room admins and site admins. The user may join or be invited again.',
  })
  @ApiNoContentResponse({ description: 'Lifted' })
  @ApiErrors(ROOM_ERRORS, {
    FORBIDDEN: 'you are below room admin (and not a site admin)',
    NOT_FOUND: 'the room does not exist, or the user is not banned from it',
  })
  async unban(
    @CurrentUser() auth: AuthUser,
    @Param('id', ParseIntPipe) roomId: number,
    @Param('userId', ParseIntPipe) userId: number,
  ): Promise<void> {
    return this.moderation.unban(await this.auth.me(auth), roomId, userId);
  }

  @Get('bans')
  @ApiOperation({
    operationId: 'rooms.bans.list',
    summary: "A room's banned users",
    description: 'Room admins and site admins; newest ban first, each with its reason.',
  })
  @ApiOkResponse({ type: [RoomBanView], description: 'Newest ban first' })
  @ApiErrors(ROOM_ERRORS, { FORBIDDEN: 'you are below room admin (and not a site admin)' })
  async bans(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<RoomBanView[]> {
    return this.moderation.bans(await this.auth.me(auth), roomId);
  }
}
