import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import type { RedisKeys } from '@chat/contracts';
import { bySlot } from '@chat/redis';
import { RealtimeRepository } from './realtime.repository';
import { REDIS, REDIS_KEYS } from './redis.module';
import type { ScriptedRedis } from './redis-scripts';

/** A socket's entry lives this long unless its replica refreshes it; a crashed replica's sockets fade out. */
const ENTRY_TTL_MS = 90_000;
const HEARTBEAT_MS = 30_000;

export class TooManySockets extends Error {
  override readonly name = 'TooManySockets';
}

/**
 * Who is online, kept in Redis as one sorted set of live socket ids per user, so it is right
 * across replicas and with several tabs: a user is online from their first socket anywhere to
 * their last. Each replica refreshes its own sockets' entries.
 */
@Injectable()
export class PresenceRepository implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceRepository.name);
  private heartbeat?: NodeJS.Timeout;

  constructor(
    @Inject(REDIS) private readonly redis: ScriptedRedis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    private readonly realtime: RealtimeRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.heartbeat = setInterval(() => void this.refreshLocalSockets(), HEARTBEAT_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.heartbeat);
  }

  /**
   * Counts a socket that is about to connect, or throws TooManySockets when the user already
   * holds MAX_SOCKETS_PER_USER across the cluster. Returns how many the user holds with it: 1
   * means it is their first.
   */
  async admit(userId: number, socketId: string): Promise<number> {
    const count = await this.touch('add', userId, socketId);
    if (count < 0) throw new TooManySockets(`At most ${this.config.maxSocketsPerUser} connections per user`);
    return count;
  }

  /** Uncounts a socket; returns how many the user still holds (0: they are offline now). */
  remove(userId: number, socketId: string): Promise<number> {
    return this.touch('remove', userId, socketId);
  }

  /** The subset of `userIds` with a live socket anywhere: one round trip. */
  async onlineAmong(userIds: number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const now = Date.now();
    const online = new Set<number>();
    // A pipeline per slot: one in all on one server.
    await Promise.all(
      bySlot(this.redis, userIds, (id) => this.keys.presence(id)).map(async (part) => {
        const pipeline = this.redis.pipeline();
        for (const id of part) pipeline.zcount(this.keys.presence(id), now, '+inf');
        const results = (await pipeline.exec()) ?? [];
        part.forEach((id, i) => {
          if (Number(results[i]?.[1] ?? 0) > 0) online.add(id);
        });
      }),
    );
    return online;
  }

  private touch(op: 'add' | 'remove', userId: number, socketId: string): Promise<number> {
    return this.redis.chatPresence(this.keys.presence(userId), op, socketId, Date.now(), ENTRY_TTL_MS, this.config.maxSocketsPerUser);
  }

  private async refreshLocalSockets(): Promise<void> {
    const expiry = Date.now() + ENTRY_TTL_MS;
    const sockets = [...this.realtime.localSockets()];
    const refreshed = bySlot(this.redis, sockets, (socket) => this.keys.presence(socket.data.user.id)).map((part) => {
      const pipeline = this.redis.pipeline();
      for (const socket of part) {
        pipeline.zadd(this.keys.presence(socket.data.user.id), 'XX', expiry, socket.id);
        pipeline.pexpire(this.keys.presence(socket.data.user.id), ENTRY_TTL_MS);
      }
      return pipeline.exec();
    });
    await Promise.all(refreshed).catch((error: Error) => this.logger.warn(`presence refresh failed: ${error.message}`));
  }
}
