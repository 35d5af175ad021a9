import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { RedisKeys } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from '../redis/redis.module';
import type { AlsoSet } from './recent-messages';

/** How long a clientMsgId is remembered: a retry within this window returns the first ack. */
export const CLIENT_MSG_ID_TTL_SECONDS = 24 * 3600;

/**
 * Takes the room's next seq and, for a send with a clientMsgId, records the reservation under it,
 * in one atomic step. A retry finds the reservation and gets the same id, seq and createdAt back
 * instead of a new seq. `floor` is the room's last seq in MySQL: if Redis lost the counter the
 * count resumes above it, never reusing a persisted seq.
 */
const RESERVE = `
if KEYS[2] ~= '' then
  local existing = redis.call('GET', KEYS[2])
  if existing then return existing end
end
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[1])
if current < floor then redis.call('SET', KEYS[1], floor) end
local seq = redis.call('INCR', KEYS[1])
local record = cjson.encode({ id = ARGV[2], seq = seq, createdAt = ARGV[3], roomId = tonumber(ARGV[4]), acked = false })
if KEYS[2] ~= '' then redis.call('SET', KEYS[2], record, 'EX', ARGV[5]) end
return record`;

export interface Reservation {
  id: string;
  seq: number;
  createdAt: string;
  roomId: number;
  /** A retry of a send that was already acknowledged. */
  acked: boolean;
}

type ReserveRedis = Redis & {
  chatReserve(
    seqKey: string,
    clientKey: string,
    floor: number,
    id: string,
    createdAt: string,
    roomId: number,
    ttl: number,
  ): Promise<string>;
};

@Injectable()
export class SequenceService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
  ) {
    this.redis.defineCommand('chatReserve', { numberOfKeys: 2, lua: RESERVE });
  }

  async reserve(input: {
    roomId: number;
    floor: number;
    id: string;
    createdAt: string;
    senderId?: number;
    clientMsgId?: string;
  }): Promise<Reservation> {
    const clientKey = input.senderId !== undefined && input.clientMsgId ? this.keys.clientMsg(input.senderId, input.clientMsgId) : '';
    const record = await (this.redis as ReserveRedis).chatReserve(
      this.keys.roomSeq(input.roomId),
      clientKey,
      input.floor,
      input.id,
      input.createdAt,
      input.roomId,
      CLIENT_MSG_ID_TTL_SECONDS,
    );
    return JSON.parse(record) as Reservation;
  }

  /** The reservation's record once its message was durably accepted and broadcast (written with the read cache). */
  ackedRecord(senderId: number, clientMsgId: string, reservation: Reservation): AlsoSet {
    const { id, seq, createdAt, roomId } = reservation;
    return { key: this.keys.clientMsg(senderId, clientMsgId), value: JSON.stringify({ id, seq, createdAt, roomId, acked: true }) };
  }

  async current(roomId: number, floor: number): Promise<number> {
    const value = await this.redis.get(this.keys.roomSeq(roomId));
    return Math.max(Number(value ?? 0), floor);
  }
}
