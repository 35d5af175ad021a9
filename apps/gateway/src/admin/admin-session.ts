import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ErrorCode } from '@chat/contracts';
import { type AuthService, bearerToken } from '../auth';
import { AppError, toErrorBody } from '../common/app-error';
import type { AuthUser } from '../common/auth-user';

/** Where the dead-letter UI lives, and the only path its cookie is sent to. */
export const ADMIN_QUEUES_PATH = '/admin/queues';
/** The cookie that carries a site admin's access token to the dead-letter UI (a browser sends no bearer header on a page load). */
export const ADMIN_COOKIE = 'chat_admin';

/** Refuses anyone but a site admin (the role as the database has it now: AuthService.verify). */
export function assertSiteAdmin(user: AuthUser): void {
  if (user.role !== 'admin') throw new AppError(ErrorCode.Forbidden, 'The dead-letter UI is for site admins only');
}

/** The token of a request to the UI: its bearer header (scripts, curl), else the admin cookie (the browser). */
export function adminToken(headers: IncomingHttpHeaders): string | undefined {
  const bearer = bearerToken(headers.authorization);
  if (bearer) return bearer;
  for (const pair of (headers.cookie ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0 && pair.slice(0, at).trim() === ADMIN_COOKIE) return decodeURIComponent(pair.slice(at + 1).trim());
  }
  return undefined;
}

/**
 * In front of everything under /admin/queues: a valid, unrevoked token of a site admin (the role
 * read from the database at each request, so a demoted admin is out at once), else 401 or 403
 * with the API's error body. Nothing of the board, not even its HTML, reaches anyone else.
 */
export function siteAdminsOnly(auth: AuthService) {
  return (req: Request, res: Response, next: NextFunction): void => {
    auth
      .verify(adminToken(req.headers))
      .then((user) => {
        assertSiteAdmin(user);
        next();
      })
      .catch((error: unknown) => {
        const { statusCode, error: reason, message, code } = toErrorBody(error);
        res.status(statusCode).json({ statusCode, error: reason, message, code });
      });
  };
}

/**
 * What the board may change. It can retry a dead letter (one, or every failed one) and remove
 * one; anything else that writes (editing a job's data, adding or emptying, pausing or
 * obliterating a queue, the live queue at all) is refused, so the UI cannot rewrite a message or
 * drop the queue of messages still to be persisted.
 */
const ALLOWED_CHANGES = [
  /^\/api\/queues\/chat-messages-dead\/[^/]+\/retry$/,
  /^\/api\/queues\/chat-messages-dead\/retry\/failed$/,
  /^\/api\/queues\/chat-messages-dead\/[^/]+\/clean$/,
];

export function onlyDeadLetterChanges(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD' || (req.method === 'PUT' && ALLOWED_CHANGES.some((route) => route.test(req.path)))) {
    next();
    return;
  }
  res.status(405).json({
    statusCode: 405,
    error: 'Method Not Allowed',
    message: 'The dead-letter UI only retries and removes dead letters',
    code: ErrorCode.Forbidden,
  });
}
