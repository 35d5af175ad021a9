import type { Server } from 'node:http';
import type { AppConfig } from '@chat/config';

/** No CORS headers at all unless origins are configured; never with credentials (auth is a bearer header). */
export function corsOptions(config: AppConfig): { origin: true | string[]; credentials: false } | undefined {
  const { corsOrigins } = config.gateway;
  if (corsOrigins !== '*' && corsOrigins.length === 0) return undefined;
  return { origin: corsOrigins === '*' ? true : corsOrigins, credentials: false };
}

/**
 * A client that trickles its headers or body is cut off after these, instead of holding a
 * connection for Node's defaults (60 s of headers, 5 min per request). A whole request may take
 * two minutes: an attachment (10 MiB by default) from a slow mobile link needs that long. Node sweeps only the
 * connections of a server that listens itself, so under node:cluster + sticky (the primary hands
 * sockets over) they do not apply; behind nginx, nginx's own 10 s timeouts come first anyway.
 */
export function limitSlowClients(server: Server): void {
  server.headersTimeout = 10_000;
  server.requestTimeout = 120_000;
  // Node enforces both only when it sweeps its connections, every 30 s by default: read before
  // `listen`, this makes the 10 s hold within a second.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = 1_000;
}
