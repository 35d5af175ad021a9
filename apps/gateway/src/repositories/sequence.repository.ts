import { Inject, Injectable } from '@nestjs/common';
import type { RedisKeys } from '@chat/contracts';
import { REDIS, REDIS_KEYS } from './redis.module';
import type { ScriptedRedis } from './redis-scripts';
import { RoomsRepository } from './rooms.repository';
import type { AlsoSet } from './recent-message.repository';

/** How long a clientMsgId is remembered: a retry within this window returns the first ack. */
export const CLIENT_MSG_ID_TTL_SECONDS = 24 * 3600;

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

@Injectable()
export class SequenceRepository {
  constructor(
    @Inject(REDIS) private readonly redis: ScriptedRedis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    private readonly rooms: RoomsRepository,
  ) {}

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
    return this.redis.chatReserve(keys.length, ...keys, CLIENT_MSG_ID_TTL_SECONDS, freshFloors ? '1' : '0', ...args);
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
