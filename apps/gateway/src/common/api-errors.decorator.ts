import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { ErrorCode } from '@chat/contracts';
import { statusByCode } from './app-error';
import { ErrorBody } from './dto/error.response';

/** The codes a route can answer with, each with when it does so on that route. */
export type ErrorCases = Partial<Record<ErrorCode, string>>;

/**
 * Documents error responses, grouped by the HTTP status each code maps to (app-error.ts), so a
 * route's docs cannot pair a code with a status the filter would never send. A later group's
 * text for a code replaces an earlier one's. On a controller it covers every route; a route's own
 * entry for the same status replaces the controller's.
 */
export function ApiErrors(...groups: ErrorCases[]) {
  const byStatus = new Map<number, string[]>();
  for (const [code, when] of Object.entries(Object.assign({}, ...groups) as ErrorCases) as [ErrorCode, string][]) {
    const status = statusByCode[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), `- \`${code}\`: ${when}`]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, lines]) =>
      ApiResponse({ status, type: ErrorBody, description: lines.join('\n'), ...(status === 429 ? { headers: RETRY_AFTER } : {}) }),
    ),
  );
}

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' as const } } };

export const INVALID_INPUT = 'a path parameter, the query or the body is invalid, or has unknown fields (the message says which)';

/** The body parser's limit for JSON bodies (bootstrap.ts). */
export const JSON_BODY_LIMIT = '64kb';

/** What every route that takes a JSON body can answer: the body parser runs before routing. */
export const JSON_BODY_ERRORS = {
  PAYLOAD_TOO_LARGE: `the JSON body is larger than ${JSON_BODY_LIMIT.replace('kb', ' KiB')}`,
} satisfies ErrorCases;

/** What any route behind AuthGuard can answer before its handler runs. */
export const AUTH_ERRORS = {
  UNAUTHORIZED: 'no bearer token, or one that is invalid, expired or revoked (logout, site ban)',
  UNAVAILABLE: 'sessions cannot be checked right now (Redis); retry shortly',
} satisfies ErrorCases;

/** What every route that loads a room and checks the caller's place in it can answer. */
export const ROOM_ERRORS = {
  VALIDATION_FAILED: INVALID_INPUT,
  NOT_FOUND: 'the room does not exist or was deleted',
  NOT_MEMBER: 'you are not a member of the room',
  BANNED: 'you are banned from the room',
} satisfies ErrorCases;
