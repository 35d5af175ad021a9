import { Body, Controller, Get, Param, ParseIntPipe, Patch, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Page, UserView } from '@chat/contracts';
import type { AuthUser } from '../auth/auth-user';
import { AuthGuard, CurrentUser } from '../auth/auth.guard';
import { SiteBanDto, UpdateUserDto, UsersQueryDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@UseGuards(AuthGuard)
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({ summary: 'Site admins: list and search users (nickname or email prefix), newest first' })
  list(@CurrentUser() caller: AuthUser, @Query() query: UsersQueryDto): Promise<Page<UserView>> {
    return this.users.list(caller, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A user: yourself, or anyone for a site admin' })
  get(@CurrentUser() caller: AuthUser, @Param('id', ParseIntPipe) id: number): Promise<UserView> {
    return this.users.get(caller, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change nickname and/or password: yourself, or anyone for a site admin' })
  update(@CurrentUser() caller: AuthUser, @Param('id', ParseIntPipe) id: number, @Body() dto: UpdateUserDto): Promise<UserView> {
    return this.users.update(caller, id, dto);
  }

  @Patch(':id/ban')
  @ApiOperation({ summary: "Site admins: ban or unban site-wide; a ban voids the user's tokens and disconnects their sockets" })
  ban(@CurrentUser() caller: AuthUser, @Param('id', ParseIntPipe) id: number, @Body() dto: SiteBanDto): Promise<UserView> {
    return this.users.setBan(caller, id, dto);
  }
}
