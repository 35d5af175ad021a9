/** What the connection helpers log through (a Nest Logger, say). */
export interface LoggerLike {
  log(message: string): void;
  warn(message: string): void;
}
import type Redis from 'ioredis';

/**
 * Logs a Redis connection's state changes once each (not every reconnect attempt), and keeps
 * ioredis from printing unhandled 'error' events with stack traces.
 */
export function watchRedis(redis: Redis, name: string, logger: LoggerLike): Redis {
  let healthy = true;
  redis.on('error', (error: Error & { code?: string }) => {
    if (!healthy) return;
    healthy = false;
    logger.warn(`redis ${name} connection lost (${error.code ?? error.message}); reconnecting`);
  });
  redis.on('ready', () => {
    if (healthy) return;
    healthy = true;
    logger.log(`redis ${name} connection restored`);
  });
  return redis;
}
