import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AuthService } from '../auth';
import { type ChatSocket, RealtimeRepository } from '../repositories/realtime.repository';
import { REVOCATION_RECHECK_MS } from './socket-auth.guard';

/** Often enough that a busy socket's check is always fresh, so SocketAuthGuard never has to ask Redis itself. */
const SWEEP_EVERY_MS = REVOCATION_RECHECK_MS / 2;
/** Sockets per MGET (two keys each). */
const CHUNK = 500;

/**
 * Re-checks every local socket's token at once (one MGET per 500 sockets, about once a second)
 * instead of each socket asking Redis on its own events: the revocation check then costs a send
 * nothing. A socket found live gets a fresh `liveCheckedAt` (and its user's row as SocketAuthGuard
 * would refresh it); one found revoked or expired is left to SocketAuthGuard, which refuses its
 * next event. If Redis cannot answer, nothing is refreshed and the guard checks for itself.
 */
@Injectable()
export class LivenessSweeper implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LivenessSweeper.name);
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly auth: AuthService,
    private readonly realtime: RealtimeRepository,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), SWEEP_EVERY_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      const sockets = [...this.realtime.localSockets()];
      for (let i = 0; i < sockets.length; i += CHUNK) await this.check(sockets.slice(i, i + CHUNK));
    } catch (error) {
      this.logger.warn(`liveness sweep failed: ${(error as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }

  private async check(sockets: ChatSocket[]): Promise<void> {
    const checkedAt = Date.now();
    const users = await this.auth.liveUsers(sockets.map((socket) => socket.data.auth));
    sockets.forEach((socket, i) => {
      const user = users[i];
      if (!user) return;
      socket.data.user = user;
      socket.data.liveCheckedAt = Math.max(socket.data.liveCheckedAt ?? 0, checkedAt);
    });
  }
}
