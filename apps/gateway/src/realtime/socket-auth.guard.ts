import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { ErrorCode } from '@chat/contracts';
import { AuthService } from '../auth';
import { AppError } from '../common/app-error';
import type { ChatSocket } from '../repositories/realtime.repository';

/**
 * How long a socket's "not revoked" answer is trusted. A logout or site ban disconnects the
 * socket through the adapter at once; this re-check only covers a disconnect that got lost, so it
 * need not cost a Redis round trip on every message of a busy socket. LivenessSweeper renews the
 * answer for every local socket in bulk, so the guard asks only when the sweeper fell behind.
 */
export const REVOCATION_RECHECK_MS = 2_000;

/**
 * Every event re-checks the token the socket connected with: once it expires or is
 * revoked (logout, site ban) the socket's events are refused, even if its disconnect got lost.
 */
@Injectable()
export class SocketAuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { data } = context.switchToWs().getClient<ChatSocket>();
    const now = Date.now();
    if (data.auth.exp * 1000 <= now) throw new AppError(ErrorCode.Unauthorized, 'Access token expired: log in again');
    if (now - (data.liveCheckedAt ?? 0) < REVOCATION_RECHECK_MS) return true;
    // Also picks up a rename or a change of site role made since the socket connected.
    data.user = await this.auth.assertLive(data.auth);
    data.liveCheckedAt = now;
    return true;
  }
}
