import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { ChatMessage, RedisKeys } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from '../redis/redis.module';

/** The worker removes an entry once its row is committed; these only bound what a long MySQL outage can pile up. */
const MAX_PER_ROOM = 10_000;
const TTL_SECONDS = 24 * 3600;

export type Pipeline = ReturnType<Redis['pipeline']>;

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
  ) {}

  /** Keeps an accepted message readable until the worker has it in MySQL; `also` adds commands to the same round trip. */
  async remember(message: ChatMessage, options: { store: boolean }, also: (pipeline: Pipeline) => void): Promise<void> {
    const key = this.keys.recentMessages(message.roomId);
    const pipeline = this.redis.pipeline();
    if (options.store)
      pipeline
        .zadd(key, message.seq, JSON.stringify(message))
        .zremrangebyrank(key, 0, -MAX_PER_ROOM - 1)
        .expire(key, TTL_SECONDS);
    also(pipeline);
    if (pipeline.length === 0) return;
    const results = (await pipeline.exec()) ?? [];
    const failed = results.find(([error]) => error);
    if (failed?.[0]) throw failed[0];
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
