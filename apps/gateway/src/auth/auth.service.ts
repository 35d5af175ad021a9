import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { ErrorCode, type PublicUser, type Session } from '@chat/contracts';
import type { UserEntity } from '@chat/database';
import { AppError } from '../common/app-error';
import type { AuthUser, TokenClaims } from '../common/auth-user';
import { toPublicUser } from '../common/user-view';
import { RateLimitRepository } from '../repositories/rate-limit.repository';
import { RealtimeRepository } from '../repositories/realtime.repository';
import { SessionRepository } from '../repositories/session.repository';
import { UserCache } from '../repositories/user.cache';
import { UsersRepository } from '../repositories/users.repository';
import { DEMO_PASSWORD_HASHES, MIN_PASSWORD_LENGTH } from './demo-accounts';
import type { GuestDto, LoginDto, RegisterDto } from './dto/auth.dto';
import { maskIp } from './mask-ip';
import { PasswordHasher } from './password-hasher';

@Injectable()
export class AuthService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AuthService.name);
  /** Compared against when there is no hash to compare with, so an unknown email costs as long as a wrong password. */
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly users: UsersRepository,
    private readonly userCache: UserCache,
    private readonly jwt: JwtService,
    private readonly sessions: SessionRepository,
    private readonly limits: RateLimitRepository,
    private readonly realtime: RealtimeRepository,
    private readonly passwords: PasswordHasher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.dummyHash = passwords.hash(randomBytes(16).toString('hex'));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.env !== 'production') return;
    const demo = await this.users.countWithPasswordHash([...DEMO_PASSWORD_HASHES]);
    if (demo > 0) this.logger.error(`${demo} demo account(s) in this production database: their logins are refused; delete them`);
  }

  async register(dto: RegisterDto, ip: string): Promise<Session> {
    await this.limits.consumeSignup('register', ip);
    const email = dto.email.toLowerCase();
    if (await this.users.findByEmailWithSecret(email)) {
      throw new AppError(ErrorCode.Conflict, 'This email is already registered');
    }
    const passwordHash = await this.passwords.hash(dto.password);
    const user = await this.users.insert(newUser({ email, passwordHash, nickname: dto.nickname, role: 'user' }));
    // Null: two registrations of one address raced past the check above.
    if (!user) throw new AppError(ErrorCode.Conflict, 'This email is already registered');
    return this.session(user);
  }

  async login(dto: LoginDto, ip: string): Promise<Session> {
    const email = dto.email.toLowerCase();
    await this.limits.consumeLogin(ip, email);
    await this.limits.slowLoginOf(email);
    const user = await this.users.findByEmailWithSecret(email);
    // Always one bcrypt comparison, so response times do not tell which emails exist.
    const matches = await this.passwords.matches(dto.password, user?.passwordHash ?? (await this.dummyHash));
    if (!user?.passwordHash || !matches || this.refusedInProduction(user.passwordHash, dto.password)) {
      await this.limits.recordLoginFailure(email);
      throw new AppError(ErrorCode.Unauthorized, 'Wrong email or password');
    }
    if (user.bannedAt) throw new AppError(ErrorCode.Banned, `This account is banned: ${user.banReason ?? 'no reason given'}`);
    return this.session(user);
  }

  async guest(dto: GuestDto, ip: string): Promise<Session> {
    await this.limits.consumeSignup('guest', ip);
    const nickname = dto.nickname ?? `guest-${randomUUID().slice(0, 6)}`;
    const user = await this.users.insert(newUser({ nickname, role: 'guest', maskedIp: maskIp(ip) }));
    if (!user) throw new Error('A guest account without an email collided on a unique key');
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

  /** Verifies a bearer token: signature, expiry, revocation and the account. Throws UNAUTHORIZED otherwise. */
  async verify(token: string | undefined): Promise<AuthUser> {
    if (!token) throw new AppError(ErrorCode.Unauthorized, 'Missing access token');
    const claims = await this.jwt.verifyAsync<Partial<TokenClaims>>(token).catch(() => {
      throw new AppError(ErrorCode.Unauthorized, 'Invalid or expired access token');
    });
    const { sub, jti, iat, exp, iat_ms } = claims;
    // Every token this server issues has all of them: one without `exp` would never expire, one without `jti` could not be revoked.
    if (typeof sub !== 'number' || typeof jti !== 'string' || jti === '' || typeof iat !== 'number' || typeof exp !== 'number') {
      throw new AppError(ErrorCode.Unauthorized, 'Malformed access token');
    }
    const verified = { id: sub, jti, iat, exp, issuedAtMs: typeof iat_ms === 'number' ? iat_ms : iat * 1000 };
    const user = await this.liveUser(verified);
    return { ...verified, role: user.role };
  }

  /**
   * Expired or revoked (logout, site ban, password change) tokens stop working, on a live socket
   * too; the site role is refreshed from the user's row. Returns the user.
   */
  async assertLive(auth: AuthUser): Promise<PublicUser> {
    return refreshed(auth, await this.liveUser(auth));
  }

  /**
   * assertLive for many tokens, with one revocation lookup for all: per token its user, or null
   * when it is expired, revoked or its account unusable. Rejects only if Redis cannot answer.
   */
  async liveUsers(auths: AuthUser[]): Promise<(PublicUser | null)[]> {
    const now = Date.now();
    const revoked = await this.sessions.revokedAmong(auths);
    return Promise.all(
      auths.map(async (auth, i) => {
        if (revoked[i] || auth.exp * 1000 <= now) return null;
        const user = await this.requireUser(auth.id).catch(() => null);
        return user && refreshed(auth, user);
      }),
    );
  }

  /** The token's user, if the token is neither expired nor revoked and the account is usable. */
  private async liveUser(token: Omit<AuthUser, 'role'>): Promise<UserEntity> {
    if (token.exp * 1000 <= Date.now()) throw new AppError(ErrorCode.Unauthorized, 'Access token expired: log in again');
    if (await this.sessions.isRevoked(token)) throw new AppError(ErrorCode.Unauthorized, 'Access token revoked: log in again');
    return this.requireUser(token.id);
  }

  /** A token for `user` issued no earlier than `notBeforeMs` (a revocation cut-off it must survive). */
  async issueToken(user: UserEntity, notBeforeMs = 0): Promise<string> {
    return this.jwt.signAsync(
      { sub: user.id, role: user.role, jti: randomUUID(), iat_ms: Math.max(Date.now(), notBeforeMs) },
      { expiresIn: this.config.auth.jwtTtlSeconds },
    );
  }

  /** In production, a demo account's password never logs anyone in, nor does one shorter than registration allows. */
  private refusedInProduction(passwordHash: string, password: string): boolean {
    return this.config.env === 'production' && (DEMO_PASSWORD_HASHES.has(passwordHash) || password.length < MIN_PASSWORD_LENGTH);
  }

  private async requireUser(id: number): Promise<UserEntity> {
    const user = await this.userCache.get(id);
    if (!user) throw new AppError(ErrorCode.Unauthorized, 'This account no longer exists');
    if (user.bannedAt) throw new AppError(ErrorCode.Banned, 'This account is banned');
    return user;
  }

  private async session(user: UserEntity): Promise<Session> {
    return { access_token: await this.issueToken(user), user: toPublicUser(user) };
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

/** The token's site role as the user's row says now; the user as clients see it. */
function refreshed(auth: AuthUser, user: UserEntity): PublicUser {
  auth.role = user.role;
  return toPublicUser(user);
}
