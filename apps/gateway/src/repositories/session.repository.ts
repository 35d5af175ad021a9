import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode, type RedisKeys } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { REDIS, REDIS_KEYS } from './redis.module';
import type { AuthUser } from '../common/auth-user';
import { mgetAcrossSlots, type RedisClient } from '@chat/redis';

type RevocableToken = Pick<AuthUser, 'id' | 'jti' | 'issuedAtMs'>;

/** A cut-off below this was written in epoch seconds (before cut-offs were kept in ms). */
const MS_EPOCH_FLOOR = 1e12;

/**
 * Token revocation, shared by every replica through Redis. Access tokens stay stateless JWTs;
 * Redis only remembers the exceptions: a logged-out token (until it would have expired anyway)
 * and, per user, an instant in ms before which every token is void (site ban, password change).
 */
@Injectable()
export class SessionRepository {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {}

  async revoke(token: AuthUser): Promise<void> {
    const ttl = token.exp - Math.floor(Date.now() / 1000);
    if (ttl > 0) await this.redis.set(this.keys.revokedToken(token.jti), '1', 'EX', ttl);
  }

  /**
   * Voids every token the user holds now; `lifetimeSeconds` is the longest a token can live.
   * Returns the cut-off: a token issued from then on is valid. The cut-off only ever moves
   * forward, so lifting a ban never revives a token issued before it.
   */
  async revokeAllOf(userId: number, lifetimeSeconds: number): Promise<number> {
    const cutoff = Date.now() + 1;
    const key = this.keys.tokensNotBefore(userId);
    const previous = toMs(await this.redis.get(key));
    const value = Math.max(cutoff, previous ?? 0);
    await this.redis.set(key, String(value), 'EX', lifetimeSeconds + 1);
    return value;
  }

  /** Fails closed: if Redis cannot answer, the token is not trusted (UNAVAILABLE). */
  async isRevoked(token: RevocableToken): Promise<boolean> {
    const [revoked] = await this.revokedAmong([token]);
    return revoked === true;
  }

  /** isRevoked for many tokens in one MGET. */
  async revokedAmong(tokens: RevocableToken[]): Promise<boolean[]> {
    if (tokens.length === 0) return [];
    const keys = tokens.flatMap((token) => [this.keys.revokedToken(token.jti), this.keys.tokensNotBefore(token.id)]);
    const values = await mgetAcrossSlots(this.redis, keys).catch(() => {
      throw new AppError(ErrorCode.Unavailable, 'Sessions cannot be checked right now; retry shortly');
    });
    return tokens.map((token, i) => {
      const cutoff = toMs(values[2 * i + 1] ?? null);
      return (values[2 * i] ?? null) !== null || (cutoff !== null && token.issuedAtMs < cutoff);
    });
  }
}

function toMs(raw: string | null): number | null {
  if (raw === null) return null;
  const value = Number(raw);
  return value < MS_EPOCH_FLOOR ? value * 1000 : value;
}
