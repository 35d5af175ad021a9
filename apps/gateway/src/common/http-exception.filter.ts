import { type ArgumentsHost, Catch, type ExceptionFilter, Logger, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorBody } from './app-error';

/** Every REST error leaves as `{ statusCode, error, message, code }`. */
@Catch()
export class HttpExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(HttpExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    if (exception instanceof ServiceUnavailableException && isHealthReport(exception.getResponse())) {
      // Terminus's report says which dependency is down; orchestrators and operators read it.
      response.status(exception.getStatus()).json(exception.getResponse());
      return;
    }
    const { expected, ...body } = toErrorBody(exception);
    if (!expected) this.logger.error(exception);
    response.status(body.statusCode).json(body);
  }
}

function isHealthReport(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'status' in body && 'details' in body;
}
