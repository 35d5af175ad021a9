import { applyDecorators, UseFilters, UseGuards } from '@nestjs/common';
import { WebSocketGateway } from '@nestjs/websockets';
import { EventBudgetGuard } from './event-budget.guard';
import { SocketAuthGuard } from './socket-auth.guard';
import { WsExceptionFilter } from './ws-exception.filter';

/**
 * A feature's socket handlers: on the one Socket.IO server, every event re-checks its token and
 * draws on the user's event budget, and anything thrown becomes an `{ ok: false, error }` ack.
 * The host module imports RealtimeModule (which provides what the guards need).
 */
export const SocketGateway = (): ClassDecorator =>
  applyDecorators(WebSocketGateway(), UseFilters(WsExceptionFilter), UseGuards(SocketAuthGuard, EventBudgetGuard));
