import { Inject, Injectable } from '@nestjs/common';
import type { RedisKeys } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from './redis.module';
import type { RedisClient } from '@chat/redis';

/** A user's join/leave notes in a room closer together than this are stored once. */
const NOTE_WINDOW_MS = 60_000;

/**
 * Whether a join or leave deserves a stored system message: the first of a burst does, repeats
 * by the same user in the same room within the window do not (a join/leave loop would otherwise
 * fill the room's history, each note costing a seq, a job and a row). Live `notice` events are
 * still sent for every one.
 */
@Injectable()
export class MembershipNoteRepository {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {}

  async shouldStore(roomId: number, userId: number): Promise<boolean> {
    const first = await this.redis.set(this.keys.membershipNote(roomId, userId), '1', 'PX', NOTE_WINDOW_MS, 'NX').catch(() => 'OK');
    return first === 'OK';
  }
}
