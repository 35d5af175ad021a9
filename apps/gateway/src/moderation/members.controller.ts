import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { MembershipView, MemberView, RoomBanView } from '@chat/contracts';
import type { AuthUser } from '../auth/auth-user';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { AuthService } from '../auth/auth.service';
import { BanDto, UpdateMemberDto } from './dto/moderation.dto';
import { ModerationService } from './moderation.service';

@ApiTags('moderation')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('rooms/:id')
export class MembersController {
  constructor(
    private readonly moderation: ModerationService,
    private readonly auth: AuthService,
  ) {}

  @Get('members')
  @ApiOperation({ summary: 'Members with role, mute and online state' })
  async members(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<MemberView[]> {
    return this.moderation.list(await this.auth.me(auth), roomId);
  }

  @Patch('members/:userId')
  @ApiOperation({ summary: 'Role (owner), mute (owner/admins), or on yourself self-mute' })
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
  @ApiOperation({ summary: 'Kick: the membership goes and the sockets leave the room on every replica' })
  @ApiQuery({ name: 'reason', required: false })
  async kick(
    @CurrentUser() auth: AuthUser,
    @Param('id', ParseIntPipe) roomId: number,
    @Param('userId', ParseIntPipe) userId: number,
    @Query('reason') reason?: string,
  ): Promise<void> {
    return this.moderation.kick(await this.auth.me(auth), roomId, userId, typeof reason === 'string' ? reason.slice(0, 500) : undefined);
  }

  @Post('bans')
  @ApiOperation({ summary: 'Ban (also kicks)' })
  async ban(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number, @Body() dto: BanDto): Promise<{ userId: number }> {
    await this.moderation.ban(await this.auth.me(auth), roomId, dto.userId, dto.reason);
    return { userId: dto.userId };
  }

  @Delete('bans/:userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Lift a ban' })
  async unban(
    @CurrentUser() auth: AuthUser,
    @Param('id', ParseIntPipe) roomId: number,
    @Param('userId', ParseIntPipe) userId: number,
  ): Promise<void> {
    return this.moderation.unban(await this.auth.me(auth), roomId, userId);
  }

  @Get('bans')
  @ApiOperation({ summary: 'Banned users with reasons' })
  async bans(@CurrentUser() auth: AuthUser, @Param('id', ParseIntPipe) roomId: number): Promise<RoomBanView[]> {
    return this.moderation.bans(await this.auth.me(auth), roomId);
  }
}
