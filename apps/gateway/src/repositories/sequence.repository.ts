import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import type { RedisKeys } from '@chat/contracts';
import { bySlot, parseRedisUrl, writeConfirmed } from '@chat/redis';
import { REDIS, REDIS_KEYS } from './redis.module';
import type { ScriptedPipeline, ScriptedRedis } from './redis-scripts';
import { RoomsRepository } from './rooms.repository';

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
  /** Draws on the sender's send budget (RATE_LIMIT_SEND_PER_SECOND, RATE_LIMIT_SEND_BURST); system notes do not. */
  budgeted?: boolean;
}

export interface Reservation {
  id: string;
  seq: number;
  createdAt: string;
  roomId: number;
  /** The record of an earlier attempt with the same clientMsgId: this is a retry. */
  retry: boolean;
  /** A retry of a send that was already made durable and broadcast (set by the sink). */
  acked: boolean;
}

/** Over the sender's send budget: nothing was reserved. */
export interface Refusal {
  refused: true;
  retryAfterMs: number;
}

export type Admission = Reservation | Refusal;

export function isRefusal(admission: Admission): admission is Refusal {
  return 'refused' in admission;
}

/** Whether the request's message still has to be stored: not a clientMsgId its sender already used in another room (the caller answers CONFLICT). */
export function sameRoom(reservation: Reservation, request: SeqRequest): boolean {
  return reservation.roomId === request.roomId;
}

/** How long an admission waits for REDIS_ACK_REPLICAS replicas of a state role of its own. */
const REPLICA_ACK_TIMEOUT_MS = 1_000;

/** Not-yet-persisted messages kept per room at most, and how long an idle room's set lives. */
const RECENT_CAP = 10_000;
const RECENT_TTL_SECONDS = 24 * 3600;

@Injectable()
export class SequenceRepository {
  private readonly intervalMs: number;
  private readonly burst: number;
  /**
   * Replicas an admission waits for: REDIS_ACK_REPLICAS on a Redis Cluster (a room's slot is on
   * another master than the stream) and on a replicated state server of its own. On the queue's
   * own server, the stream append's WAIT covers the admission already (one replication stream,
   * and the admission comes first).
   */
  private readonly ackReplicas: number;

  constructor(
    @Inject(REDIS) private readonly redis: ScriptedRedis,
    @Inject(REDIS_KEYS) private readonly keys: RedisKeys,
    private readonly rooms: RoomsRepository,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.intervalMs = Math.ceil(1000 / config.rateLimits.sendPerSecond);
    this.burst = config.rateLimits.sendBurst;
    const { state, queue, ackReplicas } = config.redis;
    const kind = parseRedisUrl(state).kind;
    this.ackReplicas = kind === 'cluster' || (kind === 'sentinel' && state !== queue) ? ackReplicas : 0;
  }

  /**
   * One admission per request, in order (see the admit script). On one server: one round trip,
   * or two when a room's counter has to be restarted from MySQL's last seq. On a Redis Cluster the
   * budgets are drawn first (a call per slot of senders), then each room's messages are admitted
   * in its own slot (a call per slot of rooms, all at once); a room's messages keep their order.
   */
  async reserve(requests: SeqRequest[]): Promise<Admission[]> {
    if (!this.redis.isCluster) return this.admit(requests);
    const admissions: Admission[] = new Array<Admission>(requests.length);
    const waits = await this.drawBudgets(requests);
    const admitted = requests.flatMap((request, index) => {
      const wait = waits.get(index);
      if (wait === undefined) return [{ request: { ...request, budgeted: false }, index }];
      admissions[index] = { refused: true, retryAfterMs: wait };
      return [];
    });
    await Promise.all(
      bySlot(this.redis, admitted, (a) => this.keys.roomSeq(a.request.roomId)).map(async (part) => {
        const results = await this.admit(part.map((a) => a.request));
        part.forEach((a, i) => (admissions[a.index] = results[i]));
      }),
    );
    return admissions;
  }

  /** The single-slot admission: the whole batch in one script call (plus a re-run for restarted counters). */
  private async admit(requests: SeqRequest[]): Promise<Admission[]> {
    const records = await this.run(requests, false);
    const unnumbered = records.flatMap((record, i) => (record === '' ? [i] : []));
    if (unnumbered.length > 0) {
      const floors = await this.rooms.lastSeqs([...new Set(unnumbered.map((i) => requests[i].roomId))]);
      const retried = await this.run(
        unnumbered.map((i) => ({ ...requests[i], floor: floors.get(requests[i].roomId) ?? requests[i].floor, budgeted: false })),
        true,
      );
      unnumbered.forEach((index, n) => (records[index] = retried[n]));
    }
    return records.map(parseAdmission);
  }

  /** Cluster only: the budgeted requests' draws, one script call per slot; returns index → ms to wait for those refused. */
  private async drawBudgets(requests: SeqRequest[]): Promise<Map<number, number>> {
    const budgeted = requests.flatMap((request, index) =>
      request.budgeted && request.senderId !== undefined ? [{ key: this.keys.sendBudget(request.senderId), index }] : [],
    );
    const waits = new Map<number, number>();
    await Promise.all(
      bySlot(this.redis, budgeted, (b) => b.key).map(async (part) => {
        const results = await this.redis.chatBudget(part.length, ...part.map((b) => b.key), Date.now(), this.intervalMs, this.burst);
        part.forEach((b, i) => {
          if (results[i]) waits.set(b.index, Number(results[i]));
        });
      }),
    );
    return waits;
  }

  private run(requests: SeqRequest[], freshFloors: boolean): Promise<string[]> {
    const keys: string[] = [];
    const perMessage: (string | number)[] = [];
    for (const r of requests) {
      const seqKey = this.keys.roomSeq(r.roomId);
      const client = r.senderId !== undefined && r.clientMsgId ? this.keys.clientMsg(r.senderId, r.clientMsgId, r.roomId) : undefined;
      const budget = r.senderId !== undefined && r.budgeted ? this.keys.sendBudget(r.senderId) : undefined;
      keys.push(seqKey, client ?? seqKey, budget ?? seqKey, this.keys.recentMessages(r.roomId));
      perMessage.push(r.floor, r.id, r.createdAt, r.roomId, client ? '1' : '0', budget ? '1' : '0');
    }
    const args = [
      CLIENT_MSG_ID_TTL_SECONDS,
      freshFloors ? '1' : '0',
      Date.now(),
      this.intervalMs,
      this.burst,
      RECENT_CAP,
      RECENT_TTL_SECONDS,
      ...perMessage,
    ];
    return writeConfirmed(this.redis, this.ackReplicas, REPLICA_ACK_TIMEOUT_MS, (pipeline) =>
      (pipeline as ScriptedPipeline).chatAdmit(keys.length, ...keys, ...args),
    );
  }

  async current(roomId: number, floor: number): Promise<number> {
    const value = await this.redis.get(this.keys.roomSeq(roomId));
    return Math.max(Number(value ?? 0), floor);
  }
}

/** A record written by an older release carries `acked`; one that says true needs nothing more. */
function parseAdmission(raw: string): Admission {
  if (raw.startsWith('R')) return { refused: true, retryAfterMs: Number(raw.slice(1)) };
  const record = JSON.parse(raw.slice(1)) as Omit<Reservation, 'retry' | 'acked'> & { acked?: boolean };
  return { ...record, retry: raw.startsWith('E'), acked: record.acked === true };
}
