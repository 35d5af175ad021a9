import { Inject, Injectable } from '@nestjs/common';
import type { RedisKeys } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from './redis.module';
import type { ScriptedRedis } from './redis-scripts';

/** Long enough to outlast any window; a member idle for longer starts afresh. */
const RECORD_TTL_SECONDS = 60;

/**
 * The cluster-wide record of a member's read receipts in a room: the highest seq sent and when,
 * so receipts go out at most once per window and never go back (a replica holding an older one
 * drops it).
 */
@Injectable()
export class ReceiptWindowRepository {
  constructor(
    @Inject(REDIS) private readonly redis: ScriptedRedis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {}

  /**
   * 'send' (recorded as sent), 'stale' (this seq or a higher one was sent already), or the
   * milliseconds until the member's window allows it. If Redis cannot say, 'send': a receipt too
   * many is better than one never sent.
   */
  async claim(roomId: number, userId: number, seq: number, windowMs: number): Promise<'send' | 'stale' | number> {
    try {
      const answer = await this.redis.chatReceipt(this.keys.receiptWindow(roomId, userId), seq, windowMs, RECORD_TTL_SECONDS);
      return answer < 0 ? 'stale' : answer === 0 ? 'send' : answer;
    } catch {
      return 'send';
    }
  }
}
