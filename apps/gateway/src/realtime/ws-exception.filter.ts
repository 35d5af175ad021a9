import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import type { Ack } from '@chat/contracts';
import { toErrorBody } from '../common/app-error';
import type { ChatSocket } from '../repositories/realtime.repository';
import { socketMetrics } from './socket-metrics';

/**
 * Turns anything a socket handler throws into an `{ ok: false, error }` ack plus an `exception`
 * event. The socket is never disconnected for a bad event.
 */
@Catch()
export class WsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(WsExceptionFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    // Nest calls socket handlers with (socket, data, ack?, pattern).
    const args = host.getArgs<unknown[]>();
    const socket = host.switchToWs().getClient<ChatSocket>();
    const ack = args.slice(1, -1).find((arg): arg is (ack: Ack<never>) => void => typeof arg === 'function');
    const event = String(args.at(-1));
    const { code, message, expected } = toErrorBody(exception);
    if (!expected) this.logger.error(exception);
    socketMetrics.failed(code);
    ack?.({ ok: false, error: { code, message } });
    socket.emit('exception', { event, code, message });
  }
}
