import { Body, Controller, Get, HttpCode, Ip, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, AUTH_ERRORS, INVALID_INPUT, JSON_BODY_ERRORS } from '../common/api-errors.decorator';
import { PublicUser } from '../common/dto/public-user.response';
import type { AuthUser } from '../common/auth-user';
import { AuthGuard, CurrentUser } from './auth.guard';
import { AuthService } from './auth.service';
import { GuestDto, LoginDto, RegisterDto } from './dto/auth.dto';
import { Session } from './dto/auth.response';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @ApiOperation({
    operationId: 'auth.register',
    summary: 'Create an account and sign in',
    description:
      'Registers a user (site role `user`) and answers with a session: the bearer token for REST and for the socket `auth.token`. Needs no token.',
    security: [],
  })
  @ApiCreatedResponse({ type: Session, description: 'The new account and its token' })
  @ApiErrors(JSON_BODY_ERRORS, {
    VALIDATION_FAILED: INVALID_INPUT,
    CONFLICT: 'the email is already registered',
    RATE_LIMITED: 'too many registrations from this IP',
  })
  register(@Body() dto: RegisterDto, @Ip() ip: string): Promise<Session> {
    return this.auth.register(dto, ip);
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'auth.login',
    summary: 'Sign in with email and password',
    description: 'Answers with a new session token. Repeated failures on one account slow its logins down. Needs no token.',
    security: [],
  })
  @ApiOkResponse({ type: Session, description: 'The account and a new token' })
  @ApiErrors(JSON_BODY_ERRORS, {
    VALIDATION_FAILED: INVALID_INPUT,
    UNAUTHORIZED: 'wrong email or password',
    BANNED: 'the account is banned site-wide',
    RATE_LIMITED: 'too many attempts from this IP, or on this account from this IP',
    UNAVAILABLE: 'rate limits cannot be checked right now (Redis); retry shortly',
  })
  login(@Body() dto: LoginDto, @Ip() ip: string): Promise<Session> {
    return this.auth.login(dto, ip);
  }

  @Post('guest')
  @ApiOperation({
    operationId: 'auth.guest',
    summary: 'Start a guest session',
    description:
      'Creates a guest account (no email or password; a nickname is made up when none is given) and answers with its token. Guests may join public rooms and send, but not invite or start conversations. Needs no token.',
    security: [],
  })
  @ApiCreatedResponse({ type: Session, description: 'A guest account (role `guest`, shown with a masked IP) and its token' })
  @ApiErrors(JSON_BODY_ERRORS, { VALIDATION_FAILED: INVALID_INPUT, RATE_LIMITED: 'too many guest accounts from this IP' })
  guest(@Body() dto: GuestDto, @Ip() ip: string): Promise<Session> {
    return this.auth.guest(dto, ip);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({
    operationId: 'auth.logout',
    summary: 'Revoke the current token',
    description: 'The token stops working on every replica at once, and the sockets opened with it are disconnected.',
  })
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'The token is revoked on every replica and its sockets are disconnected.' })
  @ApiErrors(AUTH_ERRORS)
  @UseGuards(AuthGuard)
  logout(@CurrentUser() user: AuthUser): Promise<void> {
    return this.auth.logout(user);
  }

  @Get('me')
  @ApiOperation({
    operationId: 'auth.me',
    summary: 'The current user',
    description: 'The account the bearer token belongs to, as it is stored now (nickname changes included).',
  })
  @ApiBearerAuth()
  @ApiOkResponse({ type: PublicUser, description: 'The current user' })
  @ApiErrors(AUTH_ERRORS, { BANNED: 'the account is banned site-wide' })
  @UseGuards(AuthGuard)
  me(@CurrentUser() user: AuthUser): Promise<PublicUser> {
    return this.auth.me(user);
  }
}
