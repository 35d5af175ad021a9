import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { ErrorCode } from '@chat/contracts';
import { AppError } from '../common/app-error';
import type { ChatSocket } from './realtime.server';

/** Every event re-checks the token the socket connected with: an expired one stops working live. */
@Injectable()
export class SocketAuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { auth } = context.switchToWs().getClient<ChatSocket>().data;
    if (auth.exp * 1000 <= Date.now()) throw new AppError(ErrorCode.Unauthorized, 'Access token expired: reconnect with a new one');
    return true;
  }
}
