import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { ErrorCode, type RedisKeys } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { REDIS, REDIS_KEYS } from '../redis/redis.module';
import type { AuthUser } from './auth-user';

/**
 * Token revocation, shared by every replica through Redis. Access tokens stay stateless JWTs;
 * Redis only remembers the exceptions: a logged-out token (until it would have expired anyway)
 * and, per user, a time before which every token is void (site ban).
 */
@Injectable()
export class SessionStore {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {}

  async revoke(token: AuthUser): Promise<void> {
    const ttl = token.exp - nowSeconds();
    if (ttl > 0) await this.redis.set(this.keys.revokedToken(token.jti), '1', 'EX', ttl);
  }

  /** Voids every token the user holds now; `lifetimeSeconds` is the longest a token can live. */
  async revokeAllOf(userId: number, lifetimeSeconds: number): Promise<void> {
    // Tokens carry whole seconds: a token issued during this second is void too.
    await this.redis.set(this.keys.tokensNotBefore(userId), String(nowSeconds() + 1), 'EX', lifetimeSeconds + 1);
  }

  /**
   * After a ban is lifted, tokens issued from now on work again; those issued before the ban stay
   * void (the cut-off only moves to the current second, never before the ban's).
   */
  async allowNewTokensOf(userId: number, lifetimeSeconds: number): Promise<void> {
    await this.redis.set(this.keys.tokensNotBefore(userId), String(nowSeconds()), 'EX', lifetimeSeconds + 1);
  }

  /** Fails closed: if Redis cannot answer, the token is not trusted (UNAVAILABLE). */
  async isRevoked(token: AuthUser): Promise<boolean> {
    const [revoked, notBefore] = await this.redis.mget(this.keys.revokedToken(token.jti), this.keys.tokensNotBefore(token.id)).catch(() => {
      throw new AppError(ErrorCode.Unavailable, 'Sessions cannot be checked right now; retry shortly');
    });
    return revoked !== null || (notBefore !== null && token.iat < Number(notBefore));
  }
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
