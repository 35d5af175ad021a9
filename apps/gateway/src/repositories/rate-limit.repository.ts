import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { BurstyRateLimiter, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { ErrorCode, type RedisKeys } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from './redis.module';
import { AppError } from '../common/app-error';
import type { RedisClient } from '@chat/redis';

/** How long the burst allowance takes to refill. */
const BURST_WINDOW_SECONDS = 10;
const DAY_SECONDS = 24 * 60 * 60;
/** Past the per-account failure budget, each further failure adds this much delay to the account's logins… */
const LOGIN_SLOWDOWN_STEP_MS = 250;
/** …up to this much: slow enough to stop guessing, short enough that the owner still gets in. */
const LOGIN_SLOWDOWN_MAX_MS = 3_000;

/** The limiters a refusal can come from (the label of chat_rate_limited_total). */
export type Limiter = 'messages' | 'events' | 'room_actions' | 'uploads' | 'register' | 'guest' | 'login';

const refusals = new Counter({
  name: 'chat_rate_limited_total',
  help: 'Requests and socket events refused with RATE_LIMITED, by limiter (messages: the send budget, drawn with the seq)',
  labelNames: ['limiter'] as const,
});

/** Counts a refusal; for limits checked outside this repository (the send budget). */
export function countRateLimited(limiter: Limiter): void {
  refusals.inc({ limiter });
}

/**
 * Per-user and per-IP limits held in Redis, so they apply across every replica
 * (rate-limiter-flexible: one atomic script per check). The send budget is drawn in the admit
 * script with the message's seq instead (SequenceRepository), costing a send no round trip. The IP is the client's as the trusted
 * load balancer saw it (TRUST_PROXY), never a header the client chose.
 */
@Injectable()
export class RateLimitRepository {
  private readonly events: BurstyRateLimiter;
  private readonly roomActions: RateLimiterRedis;
  private readonly uploads: RateLimiterRedis;
  private readonly loginByIp: RateLimiterRedis;
  private readonly loginByAccountAndIp: RateLimiterRedis;
  private readonly loginFailuresByAccount: RateLimiterRedis;
  private readonly signups: Record<'register' | 'guest', RateLimiterRedis[]>;

  constructor(@Inject(REDIS) redis: RedisClient, @Inject(REDIS_KEYS) keys: RedisKeys, @Inject(APP_CONFIG) config: AppConfig) {
    const { loginPerMinute, registerPerMinute, guestPerMinute, roomActionsPerMinute, eventsPerSecond } = config.rateLimits;
    const limiter = (name: string, points: number, duration: number, inMemoryBlockOnConsumed?: number) =>
      new RateLimiterRedis({
        storeClient: redis,
        keyPrefix: keys.rateLimit(name),
        points,
        duration,
        rejectIfRedisNotReady: true,
        inMemoryBlockOnConsumed,
      });
    // A steady rate, plus `burst - rate` extra that refills over the burst window.
    // Once over budget, a flood is refused by this replica's memory, so it costs Redis nothing more.
    const bursty = (name: string, perSecond: number, burst: number) => {
      const extra = Math.max(burst - perSecond, 1);
      return new BurstyRateLimiter(
        limiter(name, perSecond, 1, perSecond + 1),
        limiter(`${name}-burst`, extra, BURST_WINDOW_SECONDS, extra + 1),
      );
    };
    this.events = bursty('events', eventsPerSecond, eventsPerSecond * 2);
    this.roomActions = limiter('room-actions', roomActionsPerMinute, 60);
    this.uploads = limiter('uploads', config.attachments.uploadsPerMinute, 60);
    this.loginByIp = limiter('login-ip', loginPerMinute, 60);
    this.loginByAccountAndIp = limiter('login-account-ip', loginPerMinute, 60);
    this.loginFailuresByAccount = limiter('login-failures', loginPerMinute, 60);
    this.signups = {
      register: [limiter('register-ip', registerPerMinute, 60), limiter('register-ip-day', registerPerMinute * 10, DAY_SECONDS)],
      guest: [limiter('guest-ip', guestPerMinute, 60), limiter('guest-ip-day', guestPerMinute * 10, DAY_SECONDS)],
    };
  }

  /** Every socket event but `message`, which has its own budget. */
  async consumeEvent(userId: number): Promise<void> {
    await guard(this.events.consume(userId), 'events', 'Too many events');
  }

  /** Creating rooms, inviting, joining and leaving. */
  async consumeRoomAction(userId: number): Promise<void> {
    await guard(this.roomActions.consume(userId), 'room_actions', 'Too many room changes');
  }

  async consumeUpload(userId: number): Promise<void> {
    await guard(this.uploads.consume(userId), 'uploads', 'Too many uploads');
  }

  async consumeSignup(kind: 'register' | 'guest', ip: string): Promise<void> {
    const message = kind === 'register' ? 'Too many registrations from this address' : 'Too many guest accounts from this address';
    await guard(Promise.all(this.signups[kind].map((l) => l.consume(ip))), kind, message);
  }

  /**
   * The hard limits are per client IP and per account *from that IP*, so nobody can lock an
   * account's owner out from elsewhere; the account's failures from everywhere only slow its
   * logins down (slowLoginOf).
   */
  async consumeLogin(ip: string, email: string): Promise<void> {
    await guard(
      Promise.all([this.loginByIp.consume(ip), this.loginByAccountAndIp.consume(`${email}|${ip}`)]),
      'login',
      'Too many login attempts',
    );
  }

  /** Waits before checking a password when the account has failed more often than the budget. */
  async slowLoginOf(email: string): Promise<void> {
    const failures = await this.loginFailuresByAccount.get(email).catch(() => null);
    const excess = (failures?.consumedPoints ?? 0) - this.loginFailuresByAccount.points;
    if (excess > 0) await sleep(Math.min(excess * LOGIN_SLOWDOWN_STEP_MS, LOGIN_SLOWDOWN_MAX_MS));
  }

  async recordLoginFailure(email: string): Promise<void> {
    await this.loginFailuresByAccount.penalty(email).catch(() => undefined);
  }
}

async function guard(check: Promise<unknown>, limiter: Limiter, message: string): Promise<void> {
  try {
    await check;
  } catch (error) {
    if (error instanceof RateLimiterRes) {
      countRateLimited(limiter);
      const retryAfter = Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw new AppError(ErrorCode.RateLimited, `${message}: retry in ${retryAfter} s`, retryAfter);
    }
    throw new AppError(ErrorCode.Unavailable, 'Rate limits cannot be checked right now; retry shortly');
  }
}
