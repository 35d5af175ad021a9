import { Body, Controller, Get, Param, ParseIntPipe, Patch, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthGuard, CurrentUser } from '../auth';
import { ApiErrors, AUTH_ERRORS, INVALID_INPUT, JSON_BODY_ERRORS } from '../common/api-errors.decorator';
import type { AuthUser } from '../common/auth-user';
import { ContactsQueryDto, SiteBanDto, UpdateUserDto, UsersQueryDto } from './dto/user.dto';
import { ContactsPage, UpdatedUser, UsersPage, UserView } from './dto/user.response';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@ApiErrors(AUTH_ERRORS)
@UseGuards(AuthGuard)
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiOperation({
    operationId: 'users.list',
    summary: 'List and search users (site admins)',
    description:
      "Newest first, a page at a time (`cursor` is the previous page's `nextCursor`); `q` matches the start of a nickname or an email.",
  })
  @ApiOkResponse({ type: UsersPage })
  @ApiErrors({ VALIDATION_FAILED: INVALID_INPUT, FORBIDDEN: 'site admins only' })
  list(@CurrentUser() caller: AuthUser, @Query() query: UsersQueryDto): Promise<UsersPage> {
    return this.users.list(caller, query);
  }

  /** Before `:id`, which would take `contacts` for an id. */
  @Get('contacts')
  @ApiOperation({
    operationId: 'users.contacts.list',
    summary: 'People you share a room with',
    description: 'Whom you may open a direct conversation with (POST /rooms/direct); `q` matches part of a nickname.',
  })
  @ApiOkResponse({ type: ContactsPage })
  @ApiErrors({ VALIDATION_FAILED: INVALID_INPUT })
  contacts(@CurrentUser() caller: AuthUser, @Query() query: ContactsQueryDto): Promise<ContactsPage> {
    return this.users.contacts(caller, query);
  }

  @Get(':id')
  @ApiOperation({
    operationId: 'users.get',
    summary: 'A user',
    description: 'Yourself, or anyone for a site admin.',
  })
  @ApiOkResponse({ type: UserView })
  @ApiErrors({ VALIDATION_FAILED: INVALID_INPUT, FORBIDDEN: 'another user, and you are not a site admin', NOT_FOUND: 'no such user' })
  get(@CurrentUser() caller: AuthUser, @Param('id', ParseIntPipe) id: number): Promise<UserView> {
    return this.users.get(caller, id);
  }

  @Patch(':id')
  @ApiOperation({
    operationId: 'users.update',
    summary: 'Change a nickname or password',
    description: 'Yourself, or anyone for a site admin. Guests have no password to set.',
  })
  @ApiOkResponse({
    type: UpdatedUser,
    description:
      'The updated user. A new password voids every token of the user and disconnects their sockets; when you changed your own, `access_token` is the fresh token to use from now on.',
  })
  @ApiErrors(JSON_BODY_ERRORS, {
    VALIDATION_FAILED: INVALID_INPUT,
    FORBIDDEN: 'another user, and you are not a site admin; or a password for a guest',
    NOT_FOUND: 'no such user',
  })
  update(@CurrentUser() caller: AuthUser, @Param('id', ParseIntPipe) id: number, @Body() dto: UpdateUserDto): Promise<UpdatedUser> {
    return this.users.update(caller, id, dto);
  }

  @Patch(':id/ban')
  @ApiOperation({
    operationId: 'users.ban.update',
    summary: 'Ban or unban a user site-wide (site admins)',
    description: "A ban voids the user's tokens and disconnects their sockets; their logins are refused with `403 BANNED` until unbanned.",
  })
  @ApiOkResponse({ type: UserView, description: 'The user, with the new ban state' })
  @ApiErrors(JSON_BODY_ERRORS, {
    VALIDATION_FAILED: INVALID_INPUT,
    FORBIDDEN: 'site admins only, and not on themselves',
    NOT_FOUND: 'no such user',
  })
  ban(@CurrentUser() caller: AuthUser, @Param('id', ParseIntPipe) id: number, @Body() dto: SiteBanDto): Promise<UserView> {
    return this.users.setBan(caller, id, dto);
  }
}
