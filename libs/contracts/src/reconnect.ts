/**
 * The `connect_error` messages a gateway refuses a connection with (`err.data.code` gives the
 * error code). Socket.IO's client does not retry a refused connection by itself.
 */
export const ConnectRefusal = {
  /** Token missing, invalid, expired or revoked; or sessions cannot be checked (`UNAVAILABLE`). */
  Unauthorized: 'unauthorized',
  /** The user already holds MAX_SOCKETS_PER_USER sockets across the cluster. */
  TooManyConnections: 'too_many_connections',
  /** The replica is admitting connections at its bounded rate (a reconnect storm): retry after `err.data.retryAfterMs`. */
  ServerBusy: 'server_busy',
} as const;
export type ConnectRefusal = (typeof ConnectRefusal)[keyof typeof ConnectRefusal];

/** What `connect_error`'s `data` carries for a `server_busy` refusal. */
export interface ServerBusyData {
  code: 'UNAVAILABLE';
  message: string;
  /** The earliest a retry can be admitted; add jitter (reconnectDelayMs does). */
  retryAfterMs: number;
}

/**
 * The client side of a reconnect storm, for every client (the web client, the load tests, the
 * documented recipe): Socket.IO's own reconnection for a lost transport, with a one-second first
 * delay doubling to thirty, randomised by half...
 */
export const SOCKET_RECONNECTION = {
  reconnectionDelay: 1_000,
  reconnectionDelayMax: 30_000,
  randomizationFactor: 0.5,
} as const;

/**
 * ...and, for a refusal Socket.IO does not retry (`server_busy`, or `UNAVAILABLE` behind
 * `unauthorized`), the delay before the `attempt`-th retry (0-based): exponential backoff with
 * full jitter, never sooner than the server's `retryAfterMs`. Jitter spreads a crowd of refused
 * clients over the window instead of sending them back in one wave.
 */
export function reconnectDelayMs(
  attempt: number,
  { retryAfterMs = 0, baseMs = 1_000, maxMs = 30_000 }: { retryAfterMs?: number; baseMs?: number; maxMs?: number } = {},
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.round(retryAfterMs + random() * ceiling);
}
