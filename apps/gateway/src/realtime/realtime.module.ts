import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { RepositoriesModule } from '../repositories/repositories.module';
import { ConnectionGateway } from './connection.gateway';
import { EventBudgetGuard } from './event-budget.guard';
import { LivenessSweeper } from './liveness-sweeper';
import { SocketAuthGuard } from './socket-auth.guard';

/**
 * The socket edge that features plug their gateways into: connection middleware, the per-event
 * guards, the exception filter (and, in RedisIoAdapter, the event dispatcher). A feature module
 * imports this and decorates its gateway with @SocketGateway().
 */
@Module({
  imports: [AuthModule, RepositoriesModule],
  providers: [ConnectionGateway, SocketAuthGuard, EventBudgetGuard, LivenessSweeper],
  exports: [AuthModule, RepositoriesModule, SocketAuthGuard, EventBudgetGuard],
})
export class RealtimeModule {}
