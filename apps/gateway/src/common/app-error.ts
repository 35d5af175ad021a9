import { HttpException, HttpStatus } from '@nestjs/common';
import { ErrorCode, type ErrorBody } from '@chat/contracts';

/** A refusal the client can act on: carries one of the contract's stable codes. */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** For RATE_LIMITED: when the client may try again (HTTP `Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** The HTTP status of each code; also what the OpenAPI document groups error responses by. */
export const statusByCode: Record<ErrorCode, number> = {
  [ErrorCode.ValidationFailed]: HttpStatus.BAD_REQUEST,
  [ErrorCode.Unauthorized]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.Forbidden]: HttpStatus.FORBIDDEN,
  [ErrorCode.NotMember]: HttpStatus.FORBIDDEN,
  [ErrorCode.Banned]: HttpStatus.FORBIDDEN,
  [ErrorCode.Muted]: HttpStatus.FORBIDDEN,
  [ErrorCode.NotFound]: HttpStatus.NOT_FOUND,
  [ErrorCode.Conflict]: HttpStatus.CONFLICT,
  [ErrorCode.RateLimited]: HttpStatus.TOO_MANY_REQUESTS,
  [ErrorCode.PayloadTooLarge]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.Unavailable]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.Internal]: HttpStatus.INTERNAL_SERVER_ERROR,
};

/** For framework exceptions (a status, no code): the first, most general code of each status. */
const codeByStatus = new Map<number, ErrorCode>();
for (const [code, status] of Object.entries(statusByCode) as [ErrorCode, number][]) {
  if (!codeByStatus.has(status)) codeByStatus.set(status, code);
}

/**
 * Maps anything thrown by a handler to the contract's error body. Unknown errors become a
 * 500 with a generic message; `expected` tells the caller whether to log it as a bug.
 */
export function toErrorBody(error: unknown): ErrorBody & { expected: boolean } {
  if (error instanceof AppError) {
    const statusCode = statusByCode[error.code];
    return { statusCode, error: reason(statusCode), message: error.message, code: error.code, expected: true };
  }
  if (error instanceof HttpException) {
    const statusCode = error.getStatus();
    const response = error.getResponse();
    const raw = typeof response === 'string' ? response : (response as { message?: unknown }).message;
    const message = Array.isArray(raw) ? raw.join('; ') : typeof raw === 'string' ? raw : error.message;
    const code = codeByStatus.get(statusCode) ?? (statusCode >= 500 ? ErrorCode.Internal : ErrorCode.ValidationFailed);
    return { statusCode, error: reason(statusCode), message, code, expected: statusCode < 500 };
  }
  if (isClientHttpError(error)) {
    // Raised by Express middleware before Nest routing (body-parser: malformed JSON, body too large).
    const statusCode = error.status;
    const code = statusCode === 413 ? ErrorCode.PayloadTooLarge : (codeByStatus.get(statusCode) ?? ErrorCode.ValidationFailed);
    return { statusCode, error: reason(statusCode), message: error.message, code, expected: true };
  }
  const statusCode = HttpStatus.INTERNAL_SERVER_ERROR;
  return { statusCode, error: reason(statusCode), message: 'Internal error', code: ErrorCode.Internal, expected: false };
}

function isClientHttpError(error: unknown): error is { status: number; message: string } {
  const candidate = error as { status?: unknown; expose?: unknown };
  return typeof candidate?.status === 'number' && candidate.status >= 400 && candidate.status < 500 && candidate.expose === true;
}

function reason(status: number): string {
  const name = HttpStatus[status] ?? 'ERROR';
  return name
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}
