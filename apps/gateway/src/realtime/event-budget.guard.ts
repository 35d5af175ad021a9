import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { RateLimitRepository } from '../repositories/rate-limit.repository';
import type { ChatSocket } from '../repositories/realtime.repository';

/**
 * Every client event but `message` (which has its own, larger budget) draws on one per-user
 * token bucket shared by the cluster: a flood is answered with RATE_LIMITED acks, never a
 * disconnect, and once over budget it is refused from this replica's memory at no cost to Redis.
 */
@Injectable()
export class EventBudgetGuard implements CanActivate {
  constructor(private readonly limits: RateLimitRepository) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const ws = context.switchToWs();
    if (ws.getPattern() === 'message') return true;
    await this.limits.consumeEvent(ws.getClient<ChatSocket>().data.user.id);
    return true;
  }
}
