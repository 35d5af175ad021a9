import type { Server } from 'node:http';
import { type BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { RealtimeRepository } from '../repositories/realtime.repository';
import { InFlight } from './in-flight';

/**
 * A stopping replica drains before it exits: it reports not ready and stops accepting
 * connections (nginx moves new ones to the other replicas), lets the sends in flight finish and
 * be acked, then closes its sockets at the transport level, which Socket.IO clients answer by
 * reconnecting, through nginx, to another replica.
 */
@Injectable()
export class DrainService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DrainService.name);
  private drainingSince?: number;

  constructor(
    private readonly http: HttpAdapterHost,
    private readonly realtime: RealtimeRepository,
    private readonly inFlight: InFlight,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.drainingSince = Date.now();
    const grace = this.config.shutdownGraceMs;
    const server = this.http.httpAdapter.getHttpServer() as Server;
    server.close(); // stops accepting; open connections stay until closed below
    const before = this.inFlight.size;
    const settled = await this.inFlight.settled(grace / 2);
    const sockets = this.realtime.closeTransports();
    // Events that arrived just before the close still finish; their acks reach whoever is still there.
    const after = await this.inFlight.settled(grace / 4);
    server.closeAllConnections();
    this.logger.log(
      `drained in ${Date.now() - this.drainingSince} ms: ${before} requests/events in flight at SIGTERM` +
        `${settled && after ? '' : ' (some did not finish in time)'}, ${sockets} sockets told to reconnect elsewhere`,
    );
  }
}
