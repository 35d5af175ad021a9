import { Inject, Injectable } from '@nestjs/common';
import type { RedisKeys, StoredMessage } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from './redis.module';
import type { ScriptedRedis } from './redis-scripts';

/**
 * Messages acknowledged but maybe not yet written by the worker, one sorted set per room scored
 * by seq; the worker removes them about a second after their rows are committed. History and
 * sync merge them with MySQL, so a client always reads its own writes. An entry that outlives
 * its row (the worker removed it before it was added) is harmless: the row wins when both exist.
 */
@Injectable()
export class RecentMessageRepository {
  constructor(
    @Inject(REDIS) private readonly redis: ScriptedRedis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {}

  /**
   * Keeps an accepted message readable until the worker has it in MySQL: one ZADD (the admit
   * script caps the set and renews its TTL as the room's seqs go by).
   */
  async remember(message: StoredMessage): Promise<void> {
    await this.redis.zadd(this.keys.recentMessages(message.roomId), message.seq, JSON.stringify(message));
  }

  /** Whether the message with this id and seq is in its room's set. */
  async has(roomId: number, seq: number, id: string): Promise<boolean> {
    const entries = await this.redis.zrangebyscore(this.keys.recentMessages(roomId), seq, seq);
    return entries.some((entry) => (JSON.parse(entry) as StoredMessage).id === id);
  }

  /** Messages with lower < seq < upper, in the given order, at most `limit`. */
  async range(roomId: number, lower: number, upper: number, order: 'asc' | 'desc', limit: number): Promise<StoredMessage[]> {
    const key = this.keys.recentMessages(roomId);
    const entries =
      order === 'asc'
        ? await this.redis.zrangebyscore(key, `(${lower}`, `(${upper}`, 'LIMIT', 0, limit)
        : await this.redis.zrevrangebyscore(key, `(${upper}`, `(${lower}`, 'LIMIT', 0, limit);
    return entries.map(fromCache);
  }

  /** The message with this id among the room's newest `window` entries, if it is there. */
  async findNewest(roomId: number, id: string, window: number): Promise<StoredMessage | undefined> {
    const entries = await this.redis.zrevrange(this.keys.recentMessages(roomId), 0, window - 1);
    return entries.map(fromCache).find((message) => message.id === id);
  }

  async remove(roomId: number, seq: number): Promise<void> {
    await this.redis.zremrangebyscore(this.keys.recentMessages(roomId), seq, seq);
  }
}

/**
 * Entries cached by releases before attachments have none. Can go once no such entry can remain:
 * a day after every gateway runs a release with attachments (the sets expire with their TTL).
 */
function fromCache(entry: string): StoredMessage {
  const message = JSON.parse(entry) as StoredMessage;
  message.attachments ??= [];
  // Likewise for entries from before edits, replies, mentions and reactions.
  message.editedAt ??= null;
  message.replyTo ??= null;
  message.mentions ??= [];
  message.reactions ??= [];
  return message;
}
