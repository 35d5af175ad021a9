import { Inject, Injectable } from '@nestjs/common';
import type { ChatMessage, RedisKeys } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from './redis.module';
import type { ScriptedRedis } from './redis-scripts';

/** The worker removes an entry once its row is committed; these only bound what a long MySQL outage can pile up. */
const MAX_PER_ROOM = 10_000;
const TTL_SECONDS = 24 * 3600;

/** A record to overwrite in the same round trip (its TTL kept, only if it still exists). */
export interface AlsoSet {
  key: string;
  value: string;
}

/**
 * Messages acknowledged but maybe not yet written by the worker, one sorted set per room scored
 * by seq. History and sync merge them with MySQL, so a client always reads its own writes.
 * An entry that outlives its row (the worker removed it before it was added) is harmless: the
 * row wins when both exist.
 */
@Injectable()
export class RecentMessageRepository {
  constructor(
    @Inject(REDIS) private readonly redis: ScriptedRedis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {}

  /**
   * Keeps an accepted message readable until the worker has it in MySQL (unless `store` is false)
   * and writes `also` in the same round trip.
   */
  async remember(message: ChatMessage, options: { store: boolean; also?: AlsoSet }): Promise<void> {
    const { store, also } = options;
    if (!store && !also) return;
    await this.redis.chatRemember(
      store ? this.keys.recentMessages(message.roomId) : '',
      also?.key ?? '',
      message.seq,
      store ? JSON.stringify(message) : '',
      MAX_PER_ROOM,
      TTL_SECONDS,
      also?.value ?? '',
    );
  }

  /** Messages with lower < seq < upper, in the given order, at most `limit`. */
  async range(roomId: number, lower: number, upper: number, order: 'asc' | 'desc', limit: number): Promise<ChatMessage[]> {
    const key = this.keys.recentMessages(roomId);
    const entries =
      order === 'asc'
        ? await this.redis.zrangebyscore(key, `(${lower}`, `(${upper}`, 'LIMIT', 0, limit)
        : await this.redis.zrevrangebyscore(key, `(${upper}`, `(${lower}`, 'LIMIT', 0, limit);
    return entries.map((entry) => JSON.parse(entry) as ChatMessage);
  }

  async remove(roomId: number, seq: number): Promise<void> {
    await this.redis.zremrangebyscore(this.keys.recentMessages(roomId), seq, seq);
  }
}
