import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, toErrorBody } from './app-error';

/** A body up to this size is read to the end after a refusal, as Node does, and the connection kept. */
const DRAINED_BODY_BYTES = 64 * 1024;

/**
 * A refusal before a large body was read (an upload refused by its guard, or stopped at its size
 * limit): the connection closes after the answer, rather than Node reading megabytes to reuse it.
 * A small rest is read instead: closing a socket with unread bytes makes the kernel reset it, and
 * a reset can reach nginx before the answer does (a 502 instead of the 401).
 */
function leavesLargeBodyUnread(request: Request): boolean {
  if (request.complete) return false;
  const length = Number(request.headers['content-length']);
  return !Number.isFinite(length) || length > DRAINED_BODY_BYTES;
}

/** Every REST error leaves as `{ statusCode, error, message, code }`. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const { expected, ...body } = toErrorBody(exception);
    if (!expected) this.logger.error(exception);
    const response = host.switchToHttp().getResponse<Response>();
    if (leavesLargeBodyUnread(host.switchToHttp().getRequest<Request>())) response.setHeader('Connection', 'close');
    if (exception instanceof AppError && exception.retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    }
    response.status(body.statusCode).json(body);
  }
}
