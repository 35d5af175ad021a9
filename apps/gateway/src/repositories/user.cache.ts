import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { RedisKeys } from '@chat/contracts';
import type { UserEntity } from '@chat/database';
import { ChangeChannel } from './change-channel';
import { REDIS_KEYS, REDIS_PUB, REDIS_SUB } from './redis.module';
import { UsersRepository } from './users.repository';
import type { RedisClient } from '@chat/redis';

/** A change made through any replica is pushed sooner; this bounds what a lost announcement (or a change made in SQL by hand) costs. */
const FRESH_MS = 30_000;
const MAX_ENTRIES = 100_000;

/**
 * Users' rows as every authenticated request needs them (site role, nickname, ban), cached per
 * replica so a request costs no SQL for them. A change through any replica is announced on a
 * sharded Redis channel and every replica drops its copy.
 */
@Injectable()
export class UserCache implements OnModuleInit {
  private readonly entries = new Map<number, { user: UserEntity | null; at: number }>();
  private readonly changes: ChangeChannel;

  constructor(
    private readonly users: UsersRepository,
    @Inject(REDIS_PUB) pub: RedisClient,
    @Inject(REDIS_SUB) sub: RedisClient,
    @Inject(REDIS_KEYS) keys: RedisKeys,
  ) {
    this.changes = new ChangeChannel(pub, sub, keys.userChanged, 'user');
  }

  onModuleInit(): void {
    this.changes.listen((userId) => this.entries.delete(userId));
  }

  /** The user's row, or null if there is no such user. */
  async get(id: number): Promise<UserEntity | null> {
    const entry = this.entries.get(id);
    if (entry && Date.now() - entry.at < FRESH_MS) return entry.user;
    const user = await this.users.findById(id);
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value as number);
    // Refreshed entries move to the end, so the first one is the stalest.
    this.entries.delete(id);
    this.entries.set(id, { user, at: Date.now() });
    return user;
  }

  /** Call after changing a user's row. */
  async changed(id: number): Promise<void> {
    this.entries.delete(id);
    await this.changes.announce(id);
  }
}
