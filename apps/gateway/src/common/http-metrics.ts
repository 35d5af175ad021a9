import type { NextFunction, Request, Response } from 'express';
import { Counter, Histogram } from 'prom-client';

const requests = new Counter({
  name: 'chat_http_requests_total',
  help: 'HTTP requests answered, by method, route (the route pattern, "unmatched" when none) and status',
  labelNames: ['method', 'route', 'status'] as const,
});

const seconds = new Histogram({
  name: 'chat_http_request_duration_seconds',
  help: 'From an HTTP request reaching the gateway to its response being sent, by method and route',
  labelNames: ['method', 'route'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

/** Express's methods; any other a client sends is counted as OTHER. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * HTTP's rate, errors and duration, labelled by the route pattern (`/rooms/:id/messages`), never
 * by the path a client sent: ids and probes for nonexistent paths would each be a new series.
 * A request that ends before its response (the client left) is counted with status 499, as nginx does.
 */
export function httpMetrics() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const startedAt = performance.now();
    let counted = false;
    const count = (): void => {
      if (counted) return;
      counted = true;
      const method = METHODS.has(req.method) ? req.method : 'OTHER';
      const route = routeOf(req);
      requests.inc({ method, route, status: res.writableFinished ? String(res.statusCode) : '499' });
      seconds.observe({ method, route }, (performance.now() - startedAt) / 1000);
    };
    res.once('finish', count);
    res.once('close', count);
    next();
  };
}

/**
 * The matched route's pattern. A request no route matched may still carry the catch-all pattern
 * (`{/*splat}`) of middleware applied to every route, as nestjs-pino's is; no route of ours has a
 * wildcard, so a pattern with one is no match.
 */
function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' && !path.includes('*') ? `${req.baseUrl}${path}` : 'unmatched';
}
