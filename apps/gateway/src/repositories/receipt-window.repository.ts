import { Inject, Injectable } from '@nestjs/common';
import type { RedisKeys } from '@chat/contracts';
import type { RedisClient } from '@chat/redis';
import { REDIS, REDIS_KEYS } from './redis.module';

/** The cluster-wide window that keeps a member's read receipts in a room to one per window. */
@Injectable()
export class ReceiptWindowRepository {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {}

  /**
   * Opens the member's window if none is open: 0, send now. Otherwise the milliseconds until the
   * open one ends. If Redis cannot say, 0: a receipt too many is better than one never sent.
   */
  async claim(roomId: number, userId: number, windowMs: number): Promise<number> {
    const key = this.keys.receiptWindow(roomId, userId);
    try {
      if ((await this.redis.set(key, '1', 'PX', windowMs, 'NX')) === 'OK') return 0;
      return Math.max(1, await this.redis.pttl(key));
    } catch {
      return 0;
    }
  }
}
