import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ErrorCode, type RedisKeys } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { ChangeChannel } from './change-channel';
import { REDIS_KEYS, REDIS_PUB, REDIS_SUB } from './redis.module';
import { type MembershipRow, RoomsRepository } from './rooms.repository';
import type { RedisClient } from '@chat/redis';

/** Fresh enough to trust without asking MySQL; changes made through any replica are pushed sooner. */
const FRESH_MS = 60_000;
/**
 * A room that does not exist is remembered this long, so a flood of lookups of unknown rooms
 * costs no SQL; creating a room announces it like any membership change, which drops the entry.
 */
const MISSING_FRESH_MS = 5_000;
/** While MySQL does not answer, a known membership keeps sends flowing for this long. */
const STALE_IF_ERROR_MS = 10 * 60_000;
const MAX_ENTRIES = 200_000;

interface Entry {
  /** null: no such (live) room. */
  value: MembershipRow | null;
  at: number;
}

/**
 * Memberships (with the room, mute and ban state) as the send path needs them, cached per
 * replica so a message costs no SQL, and so sends keep being accepted while MySQL is away.
 * Every change to a room's memberships is announced on a sharded Redis channel and every
 * replica drops that room's entries; the short freshness bounds what a lost announcement costs.
 */
@Injectable()
export class MembershipCache implements OnModuleInit {
  private readonly logger = new Logger(MembershipCache.name);
  private readonly rooms = new Map<number, Map<number, Entry>>();
  private size = 0;
  private readonly changes: ChangeChannel;

  constructor(
    private readonly repository: RoomsRepository,
    @Inject(REDIS_PUB) pub: RedisClient,
    @Inject(REDIS_SUB) sub: RedisClient,
    @Inject(REDIS_KEYS) keys: RedisKeys,
  ) {
    this.changes = new ChangeChannel(pub, sub, keys.membershipChanged, 'membership');
  }

  onModuleInit(): void {
    this.changes.listen((roomId) => this.drop(roomId));
  }

  async get(roomId: number, userId: number): Promise<MembershipRow | null> {
    const entry = this.rooms.get(roomId)?.get(userId);
    if (entry && Date.now() - entry.at < (entry.value ? FRESH_MS : MISSING_FRESH_MS)) return entry.value;
    try {
      const value = await this.repository.findMembership(roomId, userId);
      this.set(roomId, userId, value);
      return value;
    } catch (error) {
      if (entry && Date.now() - entry.at < STALE_IF_ERROR_MS) return entry.value;
      this.logger.warn(`membership ${roomId}/${userId} unavailable: ${(error as Error).message}`);
      throw new AppError(ErrorCode.Unavailable, 'Room data is unavailable right now; retry shortly');
    }
  }

  /** Call after changing a room's memberships, mutes or bans (or deleting it). */
  async changed(roomId: number): Promise<void> {
    this.drop(roomId);
    await this.changes.announce(roomId);
  }

  private set(roomId: number, userId: number, value: MembershipRow | null): void {
    if (this.size >= MAX_ENTRIES) this.evictOldestRoom();
    let room = this.rooms.get(roomId);
    if (!room) this.rooms.set(roomId, (room = new Map<number, Entry>()));
    if (!room.has(userId)) this.size++;
    room.set(userId, { value, at: Date.now() });
  }

  private drop(roomId: number): void {
    this.size -= this.rooms.get(roomId)?.size ?? 0;
    this.rooms.delete(roomId);
  }

  private evictOldestRoom(): void {
    const oldest = this.rooms.keys().next();
    if (!oldest.done) this.drop(oldest.value);
  }
}
