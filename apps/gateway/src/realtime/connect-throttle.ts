import type { ExtendedError } from 'socket.io';
import { ConnectRefusal, ErrorCode, type ServerBusyData } from '@chat/contracts';
import type { ChatSocket } from '../repositories/realtime.repository';
import { socketMetrics } from './socket-metrics';

/**
 * A token bucket: `ratePerSecond` admissions a second, up to `burst` at once. Local to the
 * replica on purpose: what it protects is this process's CPU (each admission verifies a token and
 * asks Redis twice), and a reconnect storm lands on each surviving replica separately.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  /** Takes a token if there is one; otherwise answers how many ms until the next one. */
  take(): { ok: true } | { ok: false; waitMs: number } {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) * this.ratePerSecond) / 1000);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond) };
  }
}

/**
 * Connection middleware, first of all (before authentication costs anything): past the replica's
 * admission rate a connection gets `connect_error` `server_busy` with `data.retryAfterMs`, at
 * once, instead of queueing until its client times out. After a replica dies its clients arrive
 * at the others all at once; refused ones come back over the next seconds (the client recipe adds
 * jitter), while the replica's existing sockets keep their CPU.
 *
 * `retryAfterMs` grows with the crowd: the refusals of the last second, admitted at the bucket's
 * rate, are that many seconds of work ahead of a retry.
 */
export function connectThrottle(ratePerSecond: number, burst: number, now: () => number = Date.now) {
  const bucket = new TokenBucket(ratePerSecond, burst, now);
  let windowStart = now();
  let refusedInWindow = 0;
  let refusedBefore = 0;
  return (_socket: ChatSocket, next: (error?: ExtendedError) => void): void => {
    const admission = bucket.take();
    if (admission.ok) return next();
    const at = now();
    if (at - windowStart >= 1000) {
      refusedBefore = at - windowStart < 2000 ? refusedInWindow : 0;
      refusedInWindow = 0;
      windowStart = at;
    }
    refusedInWindow += 1;
    const crowd = Math.max(refusedBefore, refusedInWindow);
    const retryAfterMs = Math.max(admission.waitMs, Math.min(30_000, Math.ceil((crowd * 1000) / ratePerSecond)));
    socketMetrics.refused(ConnectRefusal.ServerBusy);
    const refusal = new Error(ConnectRefusal.ServerBusy) as ExtendedError;
    const data: ServerBusyData = {
      code: ErrorCode.Unavailable,
      message: 'This server is taking new connections slowly right now; retry after retryAfterMs.',
      retryAfterMs,
    };
    refusal.data = data;
    next(refusal);
  };
}
