import type { Logger } from '@nestjs/common';
import type { ExtendedError } from 'socket.io';
import { ConnectRefusal, ErrorCode } from '@chat/contracts';
import { type PresenceRepository, TooManySockets } from '../repositories/presence.repository';
import type { ChatSocket } from '../repositories/realtime.repository';
import { socketMetrics } from './socket-metrics';

/**
 * Connection middleware, after authentication: counts the socket in the user's presence, and
 * refuses it past the per-user cap with `connect_error` message `too_many_connections`
 * (`data.code` RATE_LIMITED). If presence cannot be reached the socket is let in: a Redis
 * hiccup must not lock everyone out, and the cap is a guard against abuse, not an invariant.
 */
export function socketAdmission(presence: PresenceRepository, logger: Logger) {
  return (socket: ChatSocket, next: (error?: ExtendedError) => void): void => {
    const userId = socket.data.user.id;
    presence.admit(userId, socket.id).then(
      (count) => {
        socket.data.firstSocket = count === 1;
        next();
        // Socket.IO connects an admitted socket on the next tick, or drops it without a
        // `disconnect` if its client left meanwhile: then it must not stay counted.
        setImmediate(() => {
          if (!socket.connected) presence.remove(userId, socket.id).catch((e: Error) => logger.warn(`presence (forget): ${e.message}`));
        });
      },
      (error: Error) => {
        if (!(error instanceof TooManySockets)) {
          logger.warn(`presence (connect): ${error.message}`);
          return next();
        }
        socketMetrics.refused(ConnectRefusal.TooManyConnections);
        const refusal = new Error(ConnectRefusal.TooManyConnections) as ExtendedError;
        refusal.data = { code: ErrorCode.RateLimited, message: error.message };
        next(refusal);
      },
    );
  };
}
