import type Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { createRedis } from './create-redis';
import type { LoggerLike } from './watch-redis';

/**
 * A connection for (S)SUBSCRIBE only: the Socket.IO adapter's subscriber, the change channels,
 * the readiness probe.
 *
 * It skips ioredis's ready check. ioredis 5 writes a subscribe issued during the handshake at once,
 * then sends the ready check's INFO, which it refuses itself once the subscribe's reply has put the
 * connection in subscriber mode; it reconnects, and restores only the subscriptions of a
 * connection that had been ready, so these are lost (redis/ioredis#2037). Every subscriber here
 * subscribes during start-up, whenever it gets to it, and the adapter again on every new room, so
 * any of them can land in a handshake (at start-up on Node 24, every time). The check only waits
 * out a server still loading its data set, which SUBSCRIBE does not need to wait for.
 */
export function createSubscriber(url: string, connectionName: string, logger: LoggerLike, extra: RedisOptions = {}): Redis {
  return createRedis(url, connectionName, logger, { ...extra, enableReadyCheck: false });
}
