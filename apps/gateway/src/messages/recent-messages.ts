import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { ChatMessage, RedisKeys } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from '../redis/redis.module';

/** The worker removes an entry once its row is committed; these only bound what a long MySQL outage can pile up. */
const MAX_PER_ROOM = 10_000;
const TTL_SECONDS = 24 * 3600;

/** A record to overwrite in the same round trip (its TTL kept, only if it still exists). */
export interface AlsoSet {
  key: string;
  value: string;
}

/**
 * Adds a message to its room's set (trimmed to the newest MAX_PER_ROOM, TTL renewed) and, if
 * given, updates one more record: a single script, so one command instead of a pipeline of four.
 */
const REMEMBER = `
if KEYS[1] ~= '' then
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -tonumber(ARGV[3]) - 1)
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
if KEYS[2] ~= '' then redis.call('SET', KEYS[2], ARGV[5], 'KEEPTTL', 'XX') end
return 1`;

type RememberRedis = Redis & {
  chatRemember(setKey: string, alsoKey: string, seq: number, entry: string, max: number, ttl: number, alsoValue: string): Promise<number>;
};

/**
 * Messages acknowledged but maybe not yet written by the worker, one sorted set per room scored
 * by seq. History and sync merge them with MySQL, so a client always reads its own writes.
 * An entry that outlives its row (the worker removed it before it was added) is harmless: the
 * row wins when both exist.
 */
@Injectable()
export class RecentMessages {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {
    this.redis.defineCommand('chatRemember', { numberOfKeys: 2, lua: REMEMBER });
  }

  /**
   * Keeps an accepted message readable until the worker has it in MySQL (unless `store` is false)
   * and writes `also` in the same round trip.
   */
  async remember(message: ChatMessage, options: { store: boolean; also?: AlsoSet }): Promise<void> {
    const { store, also } = options;
    if (!store && !also) return;
    await (this.redis as RememberRedis).chatRemember(
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
