import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { compare, hash } from 'bcryptjs';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { ErrorCode, type PublicUser } from '@chat/contracts';
import type { UserEntity } from '@chat/database';
import { AppError } from '../common/app-error';
import { RateLimits } from '../common/rate-limits';
import { RealtimeServer } from '../realtime/realtime.server';
import { toPublicUser } from '../users/user-view';
import { UsersRepository } from '../users/users.repository';
import type { AuthUser, TokenClaims } from './auth-user';
import type { GuestDto, LoginDto, RegisterDto } from './dto/auth.dto';
import { maskIp } from './mask-ip';
import { SessionStore } from './session-store';

export interface Session {
  access_token: string;
  user: PublicUser;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersRepository,
    private readonly jwt: JwtService,
    private readonly sessions: SessionStore,
    private readonly limits: RateLimits,
    private readonly realtime: RealtimeServer,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async register(dto: RegisterDto): Promise<Session> {
    const email = dto.email.toLowerCase();
    if (await this.users.findByEmailWithSecret(email)) {
      throw new AppError(ErrorCode.Conflict, 'This email is already registered');
    }
    const passwordHash = await this.hashPassword(dto.password);
    const user = await this.users.insert(newUser({ email, passwordHash, nickname: dto.nickname, role: 'user' })).catch((error: unknown) => {
      // Two registrations of one address raced past the check above.
      if ((error as { code?: string }).code === 'ER_DUP_ENTRY') {
        throw new AppError(ErrorCode.Conflict, 'This email is already registered');
      }
      throw error;
    });
    return this.session(user);
  }

  async login(dto: LoginDto, ip: string): Promise<Session> {
    const email = dto.email.toLowerCase();
    await this.limits.consumeLogin(ip, email);
    const user = await this.users.findByEmailWithSecret(email);
    const matches = user?.passwordHash ? await compare(dto.password, user.passwordHash) : false;
    if (!user || !matches) throw new AppError(ErrorCode.Unauthorized, 'Wrong email or password');
    if (user.bannedAt) throw new AppError(ErrorCode.Banned, `This account is banned: ${user.banReason ?? 'no reason given'}`);
    return this.session(user);
  }

  async guest(dto: GuestDto, ip: string | undefined): Promise<Session> {
    const nickname = dto.nickname ?? `guest-${randomUUID().slice(0, 6)}`;
    const user = await this.users.insert(newUser({ nickname, role: 'guest', maskedIp: maskIp(ip) }));
    return this.session(user);
  }

  /** Revokes this token on every replica and disconnects the sockets opened with it. */
  async logout(auth: AuthUser): Promise<void> {
    await this.sessions.revoke(auth);
    await this.realtime.disconnectToken(auth.id, auth.jti);
  }

  async me(auth: AuthUser): Promise<PublicUser> {
    return toPublicUser(await this.requireUser(auth.id));
  }

  /** Verifies a bearer token: signature, expiry and revocation. Throws UNAUTHORIZED otherwise. */
  async verify(token: string | undefined): Promise<AuthUser> {
    if (!token) throw new AppError(ErrorCode.Unauthorized, 'Missing access token');
    const claims = await this.jwt.verifyAsync<TokenClaims>(token).catch(() => {
      throw new AppError(ErrorCode.Unauthorized, 'Invalid or expired access token');
    });
    if (typeof claims.sub !== 'number') throw new AppError(ErrorCode.Unauthorized, 'Malformed access token');
    const auth: AuthUser = { id: claims.sub, role: claims.role, jti: claims.jti, iat: claims.iat, exp: claims.exp };
    await this.assertLive(auth);
    return auth;
  }

  /** Expired or revoked (logout, site ban) tokens stop working, on a live socket too. */
  async assertLive(auth: AuthUser): Promise<void> {
    if (auth.exp * 1000 <= Date.now()) throw new AppError(ErrorCode.Unauthorized, 'Access token expired: log in again');
    if (await this.sessions.isRevoked(auth)) throw new AppError(ErrorCode.Unauthorized, 'Access token revoked: log in again');
  }

  hashPassword(password: string): Promise<string> {
    return hash(password, this.config.auth.bcryptRounds);
  }

  private async requireUser(id: number): Promise<UserEntity> {
    const user = await this.users.findById(id);
    if (!user) throw new AppError(ErrorCode.Unauthorized, 'This account no longer exists');
    if (user.bannedAt) throw new AppError(ErrorCode.Banned, 'This account is banned');
    return user;
  }

  private async session(user: UserEntity): Promise<Session> {
    const access_token = await this.jwt.signAsync(
      { sub: user.id, role: user.role, jti: randomUUID() },
      { expiresIn: this.config.auth.jwtTtlSeconds },
    );
    return { access_token, user: toPublicUser(user) };
  }
}

function newUser(fields: Partial<UserEntity> & Pick<UserEntity, 'nickname' | 'role'>): Omit<UserEntity, 'id'> {
  return {
    email: null,
    passwordHash: null,
    maskedIp: null,
    bannedAt: null,
    banReason: null,
    createdAt: new Date(),
    ...fields,
  };
}
