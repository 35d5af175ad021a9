import { Body, Controller, Get, HttpCode, Ip, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { PublicUser } from '@chat/contracts';
import type { AuthUser } from './auth-user';
import { AuthGuard, CurrentUser } from './auth.guard';
import { AuthService, type Session } from './auth.service';
import { GuestDto, LoginDto, RegisterDto } from './dto/auth.dto';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  register(@Body() dto: RegisterDto): Promise<Session> {
    return this.auth.register(dto);
  }

  @Post('login')
  @HttpCode(200)
  login(@Body() dto: LoginDto, @Ip() ip: string): Promise<Session> {
    return this.auth.login(dto, ip);
  }

  @Post('guest')
  guest(@Body() dto: GuestDto, @Ip() ip: string): Promise<Session> {
    return this.auth.guest(dto, ip);
  }

  @Post('logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'The token is revoked on every replica and its sockets are disconnected.' })
  @UseGuards(AuthGuard)
  logout(@CurrentUser() user: AuthUser): Promise<void> {
    return this.auth.logout(user);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOkResponse({ description: 'The current user' })
  @UseGuards(AuthGuard)
  me(@CurrentUser() user: AuthUser): Promise<PublicUser> {
    return this.auth.me(user);
  }
}
