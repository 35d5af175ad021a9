import { Body, Controller, Get, HttpCode, Ip, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors, AUTH_ERRORS, INVALID_INPUT } from '../common/api-errors.decorator';
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
  @ApiCreatedResponse({ type: Session })
  @ApiErrors({
    VALIDATION_FAILED: INVALID_INPUT,
    CONFLICT: 'the email is already registered',
    RATE_LIMITED: 'too many registrations from this IP',
  })
  register(@Body() dto: RegisterDto, @Ip() ip: string): Promise<Session> {
    return this.auth.register(dto, ip);
  }

  @Post('login')
  @HttpCode(200)
  @ApiOkResponse({ type: Session })
  @ApiErrors({
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
  @ApiCreatedResponse({ type: Session, description: 'A guest account (role `guest`, shown with a masked IP) and its token' })
  @ApiErrors({ VALIDATION_FAILED: INVALID_INPUT, RATE_LIMITED: 'too many guest accounts from this IP' })
  guest(@Body() dto: GuestDto, @Ip() ip: string): Promise<Session> {
    return this.auth.guest(dto, ip);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'The token is revoked on every replica and its sockets are disconnected.' })
  @ApiErrors(AUTH_ERRORS)
  @UseGuards(AuthGuard)
  logout(@CurrentUser() user: AuthUser): Promise<void> {
    return this.auth.logout(user);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOkResponse({ type: PublicUser, description: 'The current user' })
  @ApiErrors(AUTH_ERRORS, { BANNED: 'the account is banned site-wide' })
  @UseGuards(AuthGuard)
  me(@CurrentUser() user: AuthUser): Promise<PublicUser> {
    return this.auth.me(user);
  }
}
