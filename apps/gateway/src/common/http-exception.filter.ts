import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AppError, toErrorBody } from './app-error';

/** Every REST error leaves as `{ statusCode, error, message, code }`. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const { expected, ...body } = toErrorBody(exception);
    if (!expected) this.logger.error(exception);
    const response = host.switchToHttp().getResponse<Response>();
    // A refusal before the body was read (an upload refused by its guard, or stopped at its size
    // limit): the connection closes after the answer, rather than Node reading the rest to reuse it.
    if (!host.switchToHttp().getRequest<Request>().complete) response.setHeader('Connection', 'close');
    if (exception instanceof AppError && exception.retryAfterSeconds !== undefined) {
      response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    }
    response.status(body.statusCode).json(body);
  }
}
