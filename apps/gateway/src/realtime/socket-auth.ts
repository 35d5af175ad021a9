import type { ExtendedError } from 'socket.io';
import { ConnectRefusal } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { type AuthService, bearerToken } from '../auth';
import type { ChatSocket } from '../repositories/realtime.repository';
import { socketMetrics } from './socket-metrics';

/**
 * Connection middleware: a socket without a valid token never connects; its client gets
 * `connect_error` with message `unauthorized` (and `data.code` saying why).
 */
export function socketAuth(auth: AuthService) {
  return (socket: ChatSocket, next: (error?: ExtendedError) => void): void => {
    const { handshake } = socket;
    const fromAuth = (handshake.auth as { token?: unknown }).token;
    const fromQuery = handshake.query.token;
    const token =
      (typeof fromAuth === 'string' ? fromAuth.replace(/^Bearer\s+/i, '') : undefined) ??
      bearerToken(handshake.headers.authorization) ??
      (typeof fromQuery === 'string' ? fromQuery : undefined);
    auth
      .verify(token)
      .then(async (claims) => {
        socket.data.auth = claims;
        socket.data.user = await auth.me(claims);
        next();
      })
      .catch((error: unknown) => {
        socketMetrics.refused(ConnectRefusal.Unauthorized);
        const failure = new Error(ConnectRefusal.Unauthorized) as ExtendedError;
        failure.data = { code: error instanceof AppError ? error.code : 'UNAUTHORIZED' };
        next(failure);
      });
  };
}
