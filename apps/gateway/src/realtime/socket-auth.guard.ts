import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { AuthService } from '../auth/auth.service';
import type { ChatSocket } from './realtime.server';

/**
 * Every event re-checks the token the socket connected with (seed 1): once it expires or is
 * revoked (logout, site ban) the socket's events are refused, even if its disconnect got lost.
 */
@Injectable()
export class SocketAuthGuard implements CanActivate {
  constructor(private readonly auth: AuthService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    await this.auth.assertLive(context.switchToWs().getClient<ChatSocket>().data.auth);
    return true;
  }
}
