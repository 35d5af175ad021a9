import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import type { RedisKeys } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from '../redis/redis.module';
import { RoomsRepository } from '../rooms/rooms.repository';
import { RealtimeServer } from './realtime.server';

/** A socket's entry lives this long unless its replica refreshes it; a crashed replica's sockets fade out. */
const ENTRY_TTL_MS = 90_000;
const HEARTBEAT_MS = 30_000;

/**
 * Adds (or removes) one socket of a user, drops expired ones, returns how many are left; an add
 * that would take the user past ARGV[5] sockets adds nothing and returns -1.
 */
const TOUCH = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if ARGV[1] == 'add' then
  if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[5]) and not redis.call('ZSCORE', KEYS[1], ARGV[2]) then
    return -1
  end
  redis.call('ZADD', KEYS[1], ARGV[3] + ARGV[4], ARGV[2])
else
  redis.call('ZREM', KEYS[1], ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return redis.call('ZCARD', KEYS[1])`;

type PresenceRedis = Redis & {
  chatPresence(key: string, op: 'add' | 'remove', socketId: string, now: number, ttl: number, cap: number): Promise<number>;
};

export class TooManySockets extends Error {
  override readonly name = 'TooManySockets';
}

/**
 * Who is online, kept in Redis as one sorted set of live socket ids per user, so it is right
 * across replicas and with several tabs: a user goes online with their first socket anywhere and
 * offline with their last. Each replica refreshes its own sockets' entries.
 */
@Injectable()
export class PresenceService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PresenceService.name);
  private heartbeat?: NodeJS.Timeout;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    private readonly realtime: RealtimeServer,
    private readonly rooms: RoomsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.redis.defineCommand('chatPresence', { numberOfKeys: 1, lua: TOUCH });
  }

  onModuleInit(): void {
    this.heartbeat = setInterval(() => void this.refreshLocalSockets(), HEARTBEAT_MS).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.heartbeat);
  }

  /**
   * Counts a socket that is about to connect, or throws TooManySockets when the user already
   * holds MAX_SOCKETS_PER_USER across the cluster. Returns how many the user holds with it: 1
   * means it is their first, and `connected` announces them online.
   */
  async admit(userId: number, socketId: string): Promise<number> {
    const count = await this.touch('add', userId, socketId);
    if (count < 0) throw new TooManySockets(`At most ${this.config.maxSocketsPerUser} connections per user`);
    return count;
  }

  /** The user's first socket is connected: their rooms learn they are online. */
  async connected(userId: number): Promise<void> {
    await this.announce(userId, true);
  }

  async disconnected(userId: number, socketId: string): Promise<void> {
    if ((await this.touch('remove', userId, socketId)) === 0) await this.announce(userId, false);
  }

  /** An admitted socket that never connected (its client left during the handshake): uncounted, silently. */
  async forget(userId: number, socketId: string): Promise<void> {
    await this.touch('remove', userId, socketId);
  }

  /** The subset of `userIds` with a live socket anywhere: one round trip. */
  async onlineAmong(userIds: number[]): Promise<Set<number>> {
    if (userIds.length === 0) return new Set();
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (const id of userIds) pipeline.zcount(this.keys.presence(id), now, '+inf');
    const results = (await pipeline.exec()) ?? [];
    return new Set(userIds.filter((_, i) => Number(results[i]?.[1] ?? 0) > 0));
  }

  private touch(op: 'add' | 'remove', userId: number, socketId: string): Promise<number> {
    return (this.redis as PresenceRedis).chatPresence(
      this.keys.presence(userId),
      op,
      socketId,
      Date.now(),
      ENTRY_TTL_MS,
      this.config.maxSocketsPerUser,
    );
  }

  private async announce(userId: number, online: boolean): Promise<void> {
    for (const roomId of await this.rooms.roomIdsOf(userId)) {
      this.realtime.toRoom(roomId).emit('presence', { roomId, userId, online });
    }
  }

  private async refreshLocalSockets(): Promise<void> {
    const expiry = Date.now() + ENTRY_TTL_MS;
    const pipeline = this.redis.pipeline();
    for (const socket of this.realtime.io.sockets.sockets.values()) {
      pipeline.zadd(this.keys.presence(socket.data.user.id), 'XX', expiry, socket.id);
      pipeline.pexpire(this.keys.presence(socket.data.user.id), ENTRY_TTL_MS);
    }
    await pipeline.exec().catch((error: Error) => this.logger.warn(`presence refresh failed: ${error.message}`));
  }
}
