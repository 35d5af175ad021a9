import { Inject, Injectable } from '@nestjs/common';
import type Redis from 'ioredis';
import type { RedisKeys } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from '../redis/redis.module';
import { RoomsRepository } from '../rooms/rooms.repository';
import type { AlsoSet } from './recent-messages';

/** How long a clientMsgId is remembered: a retry within this window returns the first ack. */
export const CLIENT_MSG_ID_TTL_SECONDS = 24 * 3600;

/**
 * Takes the next seq of each message's room and, for a send with a clientMsgId, records the
 * reservation under it, in one atomic step for a whole batch (its order is the seq order). A retry
 * finds its reservation and gets the same id, seq and createdAt back instead of a new seq. A
 * message's floor is its room's last seq in MySQL. A room whose counter is missing (Redis lost
 * it) is numbered only from a floor read fresh from MySQL: with a floor from a cache, a new
 * message could take the seq of a persisted one. Such a message gets '' back, and no seq.
 * KEYS: per message, its room's seq key and its clientMsgId key ('' for none).
 * ARGV: the TTL, whether the floors are fresh ('1') or may be stale ('0'), then per message its
 * floor, id, createdAt and room id.
 */
const RESERVE = `
local records = {}
for i = 1, #KEYS / 2 do
  local seqKey, clientKey = KEYS[2 * i - 1], KEYS[2 * i]
  local arg = 4 * (i - 1) + 1
  local existing = clientKey ~= '' and redis.call('GET', clientKey)
  if existing then
    records[i] = existing
  else
    local current = redis.call('GET', seqKey)
    if not current and ARGV[2] ~= '1' then
      records[i] = ''
    else
      local floor = tonumber(ARGV[arg + 2])
      if tonumber(current or '0') < floor then redis.call('SET', seqKey, floor) end
      local seq = redis.call('INCR', seqKey)
      local record = cjson.encode({ id = ARGV[arg + 3], seq = seq, createdAt = ARGV[arg + 4], roomId = tonumber(ARGV[arg + 5]), acked = false })
      if clientKey ~= '' then redis.call('SET', clientKey, record, 'EX', ARGV[1]) end
      records[i] = record
    end
  end
end
return records`;

/** A message asking for its seq: its room's persisted last seq as the floor, and its own id and time in case it is new. */
export interface SeqRequest {
  roomId: number;
  floor: number;
  id: string;
  createdAt: string;
  senderId?: number;
  clientMsgId?: string;
}

export interface Reservation {
  id: string;
  seq: number;
  createdAt: string;
  roomId: number;
  /** A retry of a send that was already acknowledged. */
  acked: boolean;
}

/**
 * Whether the request's message still has to be stored: not the retry of an acknowledged send,
 * and not a clientMsgId its sender already used in another room (the caller answers CONFLICT).
 */
export function needsStoring(reservation: Reservation, request: SeqRequest): boolean {
  return !reservation.acked && reservation.roomId === request.roomId;
}

type ReserveRedis = Redis & {
  chatReserve(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Promise<string[]>;
};

@Injectable()
export class SequenceService {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    private readonly rooms: RoomsRepository,
  ) {
    this.redis.defineCommand('chatReserve', { lua: RESERVE });
  }

  /**
   * One reservation per request, in order: one round trip, or two when a room's counter has to be
   * restarted from MySQL's last seq.
   */
  async reserve(requests: SeqRequest[]): Promise<Reservation[]> {
    const records = await this.run(requests, false);
    const unnumbered = requests.filter((_, i) => records[i] === '');
    if (unnumbered.length > 0) {
      const floors = await this.rooms.lastSeqs([...new Set(unnumbered.map((r) => r.roomId))]);
      const retried = await this.run(
        unnumbered.map((r) => ({ ...r, floor: floors.get(r.roomId) ?? r.floor })),
        true,
      );
      for (let i = 0, next = 0; i < records.length; i++) if (records[i] === '') records[i] = retried[next++];
    }
    return records.map((record) => JSON.parse(record) as Reservation);
  }

  private run(requests: SeqRequest[], freshFloors: boolean): Promise<string[]> {
    const keys = requests.flatMap((r) => [
      this.keys.roomSeq(r.roomId),
      r.senderId !== undefined && r.clientMsgId ? this.keys.clientMsg(r.senderId, r.clientMsgId) : '',
    ]);
    const args = requests.flatMap((r) => [r.floor, r.id, r.createdAt, r.roomId]);
    return (this.redis as ReserveRedis).chatReserve(keys.length, ...keys, CLIENT_MSG_ID_TTL_SECONDS, freshFloors ? '1' : '0', ...args);
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
