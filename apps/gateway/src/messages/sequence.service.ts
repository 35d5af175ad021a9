import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { RedisKeys } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from '../redis/redis.module';

/**
 * Hands out each room's next `seq` atomically across replicas. `floor` is the room's last seq in
 * MySQL: if Redis lost the counter (or holds an older one) the count resumes above it, never reusing
 * a persisted seq.
 */
const NEXT_SEQ = `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[1])
if current < floor then redis.call('SET', KEYS[1], floor) end
return redis.call('INCR', KEYS[1])`;

@Injectable()
export class SequenceService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {
    this.redis.defineCommand('chatNextSeq', { numberOfKeys: 1, lua: NEXT_SEQ });
  }

  async next(roomId: number, floor: number): Promise<number> {
    const redis = this.redis as Redis & { chatNextSeq(key: string, floor: number): Promise<number> };
    return Number(await redis.chatNextSeq(this.keys.roomSeq(roomId), floor));
  }

  async current(roomId: number, floor: number): Promise<number> {
    const value = await this.redis.get(this.keys.roomSeq(roomId));
    return Math.max(Number(value ?? 0), floor);
  }
}
