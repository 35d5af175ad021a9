import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { PresenceRepository } from '../repositories/presence.repository';
import { RealtimeRepository } from '../repositories/realtime.repository';
import { PresenceService } from './presence.service';

/**
 * Presence when a replica dies without a goodbye (kill -9, OOM, a lost node): its users must not
 * stay online until their entries expire, and their rooms must hear that they went offline.
 *
 * Every PRESENCE_HEARTBEAT_MS this replica renews its heartbeat, and (jittered, so that the
 * survivors of one crash do not all race for it) looks for replicas whose heartbeat lapsed. It
 * cleans up after one it can lock: its sockets leave presence, and each user left with no live
 * socket is announced offline to their rooms, as their last disconnect would have been.
 *
 * A replica that was only slow (a long pause, a partition from Redis) and finds its heartbeat
 * lapsed rejoins: it records all its sockets again once any cleanup of it is over, and announces
 * online again the users that the cleanup announced offline. Its clients stay connected
 * throughout; only presence was wrong for a while, as it would be for any partitioned replica.
 * A clean stop (SIGTERM) drains, lets the drained sockets' disconnects finish, then deregisters.
 */
@Injectable()
export class ReplicaRegistry implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ReplicaRegistry.name);
  private readonly intervalMs: number;
  private readonly settleMs: number;
  private heartbeat?: NodeJS.Timeout;
  private look?: NodeJS.Timeout;
  private beating = false;
  /** Until this replica's sockets are known to be recorded: from start-up, and again after a lapse. */
  private rejoining = true;
  private stopped = false;

  constructor(
    private readonly repository: PresenceRepository,
    private readonly presence: PresenceService,
    private readonly realtime: RealtimeRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.intervalMs = config.presence.heartbeatMs;
    // The drain takes three quarters of the grace; what is left is for the shutdown hooks.
    this.settleMs = config.shutdownGraceMs / 4;
  }

  async onModuleInit(): Promise<void> {
    await this.beat();
    this.heartbeat = setInterval(() => void this.beat(), this.intervalMs).unref();
    this.scheduleLook();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.look);
    // The drained sockets' disconnects first: a socket still recorded after them is left to the others.
    await this.presence.settled(this.settleMs);
    await this.repository.deregister().catch((error: Error) => this.logger.warn(`replica registry (deregister): ${error.message}`));
  }

  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      if (!(await this.repository.beat()) && !this.rejoining) {
        this.logger.warn(`${this.repository.replica}: heartbeat had lapsed; recording this replica's sockets again`);
        this.rejoining = true;
      }
      if (this.rejoining) await this.rejoin();
    } catch (error) {
      this.logger.warn(`replica registry (heartbeat): ${(error as Error).message}`);
    } finally {
      this.beating = false;
    }
  }

  private async rejoin(): Promise<void> {
    const sockets = [...this.realtime.localSockets()];
    const back = await this.repository.rejoin(sockets.map((socket) => ({ userId: socket.data.user.id, socketId: socket.id })));
    if (!back) return; // a survivor is still cleaning up after this replica: at the next beat
    this.rejoining = false;
    await Promise.all(back.map((userId) => this.announce('online', userId, () => this.presence.connected(userId))));
    // One that disconnected meanwhile may have been recorded again after its disconnect: it goes as it would have.
    for (const socket of sockets.filter((s) => !s.connected)) {
      await this.announce('offline', socket.data.user.id, () => this.presence.disconnected(socket.data.user.id, socket.id));
    }
  }

  private scheduleLook(): void {
    if (this.stopped) return;
    const delay = this.intervalMs * (0.5 + Math.random());
    this.look = setTimeout(() => void this.cleanUpLapsed().finally(() => this.scheduleLook()), delay).unref();
  }

  private async cleanUpLapsed(): Promise<void> {
    try {
      for (const replica of await this.repository.lapsedReplicas()) {
        if (await this.repository.claim(replica)) await this.cleanUp(replica);
      }
    } catch (error) {
      this.logger.warn(`replica registry (cleanup): ${(error as Error).message}`);
    }
  }

  private async cleanUp(replica: string): Promise<void> {
    let offline = 0;
    for (let users = await this.repository.cleanUpBatch(replica); users; users = await this.repository.cleanUpBatch(replica)) {
      // A batch at once: the queries for their rooms share the MySQL pool, and a large replica's users are told sooner.
      await Promise.all(users.map((userId) => this.announce('offline', userId, () => this.presence.wentOffline(userId))));
      offline += users.length;
    }
    this.logger.warn(
      `replica ${replica} stopped renewing its heartbeat: its sockets are out of presence, ${offline} users announced offline`,
    );
  }

  /** One user's announcement; a failure (MySQL unreachable for their rooms) is logged and the rest go on. */
  private async announce(what: string, userId: number, run: () => Promise<void>): Promise<void> {
    await run().catch((error: Error) => this.logger.warn(`presence (${what} ${userId}): ${error.message}`));
  }
}
