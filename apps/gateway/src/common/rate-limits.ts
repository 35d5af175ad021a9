import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import { BurstyRateLimiter, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { ErrorCode, type RedisKeys } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from '../redis/redis.module';
import { AppError } from './app-error';

/** How long the burst allowance takes to refill. */
const BURST_WINDOW_SECONDS = 10;

/**
 * Per-user and per-IP limits held in Redis, so they apply across every replica
 * (rate-limiter-flexible: one atomic script per check).
 */
@Injectable()
export class RateLimits {
  private readonly send: BurstyRateLimiter;
  private readonly loginByIp: RateLimiterRedis;
  private readonly loginByAccount: RateLimiterRedis;

  constructor(@Inject(REDIS) redis: Redis, @Inject(REDIS_KEYS) keys: RedisKeys, @Inject(APP_CONFIG) config: AppConfig) {
    const { sendPerSecond, sendBurst, loginPerMinute } = config.rateLimits;
    const limiter = (name: string, points: number, duration: number) =>
      new RateLimiterRedis({ storeClient: redis, keyPrefix: keys.rateLimit(name), points, duration, rejectIfRedisNotReady: true });
    // A steady `sendPerSecond`, plus `sendBurst - sendPerSecond` extra that refills over the burst window.
    this.send = new BurstyRateLimiter(
      limiter('send', sendPerSecond, 1),
      limiter('send-burst', Math.max(sendBurst - sendPerSecond, 1), BURST_WINDOW_SECONDS),
    );
    this.loginByIp = limiter('login-ip', loginPerMinute, 60);
    this.loginByAccount = limiter('login-account', loginPerMinute, 60);
  }

  async consumeSend(userId: number): Promise<void> {
    await guard(this.send.consume(userId), 'Sending too fast');
  }

  async consumeLogin(ip: string, email: string): Promise<void> {
    await guard(Promise.all([this.loginByIp.consume(ip), this.loginByAccount.consume(email)]), 'Too many login attempts');
  }
}

async function guard(check: Promise<unknown>, message: string): Promise<void> {
  try {
    await check;
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new AppError(ErrorCode.RateLimited, `${message}: retry in ${retryAfter} s`, retryAfter);
    }
    throw new AppError(ErrorCode.Unavailable, 'Rate limits cannot be checked right now; retry shortly');
  }
}
