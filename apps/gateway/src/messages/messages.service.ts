import { setTimeout as sleep } from 'node:timers/promises';
import { decodeTime } from 'ulid';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import { type ChatMessage, ErrorCode, type MessageAccepted, type MessageSender, type MessageType } from '@chat/contracts';
import type { RoomEntity } from '@chat/database';
import { AppError } from '../common/app-error';
import { RateLimits } from '../common/rate-limits';
import { RealtimeServer } from '../realtime/realtime.server';
import { type Caller, RoomAccess } from '../rooms/room-access';
import { outranks } from '../rooms/room-policy';
import { isMuted } from '../rooms/room-view';
import { RoomsRepository } from '../rooms/rooms.repository';
import { messageIdFactory } from './message-ids';
import { type Draft, MessageQueue, persistJob } from './message-queue';
import { MessagesRepository, type StoredMessageRef } from './messages.repository';
import { mergePages } from './merge-pages';
import { RecentMessages } from './recent-messages';
import { needsStoring, type Reservation, SequenceService } from './sequence.service';

const DELETE_WAIT_ATTEMPTS = 10;
const DELETE_WAIT_STEP_MS = 200;
/** Ids older than this are in MySQL by now (persistence lag p99 is tens of ms), unless the worker is down. */
const DELETE_WAIT_FOR_IDS_WITHIN_MS = 30_000;

export interface SendInput {
  roomId: number;
  content: string;
  clientMsgId?: string;
}

export interface HistoryQuery {
  before?: number;
  after?: number;
  limit?: number;
}

export interface HistoryPage {
  messages: ChatMessage[];
  nextCursor: number | null;
}

/**
 * The write path: a message is checked, given its room's next seq, made durable on the queue,
 * broadcast, and only then acknowledged. If it cannot be made durable nothing is broadcast and
 * the sender gets UNAVAILABLE, so a retry is always safe. Refusals happen before a seq is taken,
 * so they leave no hole in the room's sequence.
 */
@Injectable()
export class MessagesService {
  private readonly logger = new Logger(MessagesService.name);
  private readonly newId = messageIdFactory();
  /** The benchmark baseline: write to MySQL before broadcasting (PERSISTENCE_MODE=direct). */
  private readonly direct: boolean;

  constructor(
    private readonly access: RoomAccess,
    private readonly rooms: RoomsRepository,
    private readonly messages: MessagesRepository,
    private readonly sequence: SequenceService,
    private readonly queue: MessageQueue,
    private readonly realtime: RealtimeServer,
    private readonly limits: RateLimits,
    private readonly recent: RecentMessages,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.direct = config.gateway.persistence === 'direct';
  }

  async send(sender: MessageSender, input: SendInput): Promise<MessageAccepted> {
    const { room, member } = await this.access.require(input.roomId, sender, 'send');
    if (member && isMuted(member.mutedUntil)) throw new AppError(ErrorCode.Muted, 'You are muted in this room');
    await this.limits.consumeSend(sender.id);
    return this.publish(room, 'chat', input.content, sender, input.clientMsgId);
  }

  /** Join/leave/invite/kick/ban notes: stored and pushed like any message, with no sender. */
  postSystem(room: RoomEntity, content: string): Promise<MessageAccepted> {
    return this.publish(room, 'system', content, null);
  }

  /** Like postSystem, for side effects of an action that has already succeeded: a failure is logged, not thrown. */
  async announce(room: RoomEntity, content: string): Promise<void> {
    await this.postSystem(room, content).catch((error: unknown) => {
      this.logger.warn(`system message for room ${room.id} not posted: ${(error as Error).message}`);
    });
  }

  /** MySQL's rows merged with the acknowledged messages the worker has not written yet. */
  async history(caller: Caller, roomId: number, query: HistoryQuery): Promise<HistoryPage> {
    const { member } = await this.access.require(roomId, caller, 'read');
    const limit = query.limit ?? 50;
    const order = query.after === undefined ? 'desc' : 'asc';
    const floor = member?.joinedSeq ?? 0;
    const lower = Math.max(floor, query.after ?? 0);
    const upper = query.before ?? Number.MAX_SAFE_INTEGER;
    const [rows, pending] = await Promise.all([
      this.messages.page(roomId, { floor, before: query.before, after: query.after, limit: limit + 1 }),
      this.recent.range(roomId, lower, upper, order, limit + 1),
    ]);
    const page = mergePages(rows, pending, order, limit + 1);
    const messages = page.slice(0, limit);
    const last = messages.at(-1);
    return { messages, nextCursor: page.length > limit && last ? last.seq : null };
  }

  /** The messages after `afterSeq`, oldest first: what a client calls after a gap or a reconnect. */
  async sync(caller: Caller, roomId: number, afterSeq: number, limit = 100): Promise<ChatMessage[]> {
    return (await this.history(caller, roomId, { after: afterSeq, limit })).messages;
  }

  /** By the author while a member, a room moderator who outranks the author, or a site admin. */
  async delete(caller: Caller, messageId: string): Promise<void> {
    const message = await this.findStored(messageId);
    if (message.senderId === caller.id) {
      await this.access.require(message.roomId, caller, 'markRead');
    } else {
      const { actor } = await this.access.require(message.roomId, caller, 'moderate');
      const author = message.senderId === null ? null : await this.rooms.findMembership(message.roomId, message.senderId);
      const target = { userId: message.senderId ?? 0, roomRole: author?.member?.role ?? null };
      if (actor.siteRole !== 'admin' && !outranks(actor, target)) {
        throw new AppError(ErrorCode.Forbidden, "You cannot delete this member's messages");
      }
    }
    if (await this.messages.softDelete(message)) {
      await this.recent.remove(message.roomId, message.seq).catch(() => undefined);
      this.realtime.toRoom(message.roomId).emit('message_deleted', { id: message.id, roomId: message.roomId, seq: message.seq });
    }
  }

  /**
   * A message just acknowledged may still be on its way to MySQL: give the worker a moment. Only
   * for an id minted moments ago (a ULID carries its creation time), so an unknown or old id is
   * answered at once instead of holding the request and polling MySQL.
   */
  private async findStored(messageId: string): Promise<StoredMessageRef> {
    const recent = Math.abs(Date.now() - mintedAt(messageId)) < DELETE_WAIT_FOR_IDS_WITHIN_MS;
    for (let attempt = 0; ; attempt++) {
      const message = await this.messages.findLive(messageId);
      if (message) return message;
      if (!recent || attempt === DELETE_WAIT_ATTEMPTS) throw new AppError(ErrorCode.NotFound, `Message ${messageId} does not exist`);
      await sleep(DELETE_WAIT_STEP_MS);
    }
  }

  /**
   * A retry (same sender and clientMsgId) gets the first attempt's id, seq and createdAt back. If
   * that attempt was never made durable, the retry finishes it with the same id and seq, and the
   * worker's idempotent insert stores it once whichever attempt gets through.
   */
  private async publish(
    room: RoomEntity,
    type: MessageType,
    content: string,
    sender: MessageSender | null,
    clientMsgId?: string,
  ): Promise<MessageAccepted> {
    const draft: Draft = {
      roomId: room.id,
      floor: room.lastSeq,
      id: this.newId(),
      createdAt: new Date().toISOString(),
      senderId: sender?.id,
      clientMsgId,
      type,
      content,
    };
    let reservation: Reservation;
    try {
      reservation = await (this.direct ? this.insertNow(draft) : this.queue.accept(draft));
    } catch (error) {
      throw this.unavailable(room, error);
    }
    const { id, seq, createdAt } = reservation;
    if (reservation.roomId !== room.id) throw new AppError(ErrorCode.Conflict, 'This clientMsgId was already used for another room');
    if (reservation.acked) return { id, seq, createdAt };
    const message: ChatMessage = { id, seq, roomId: room.id, content, type, sender, createdAt, ...(clientMsgId ? { clientMsgId } : {}) };
    this.realtime.toRoom(room.id).emit('message', message);
    // In direct mode the row is already in MySQL: only the retry record is updated. Marking it
    // acked saves a retry from broadcasting again (receivers drop a repeated id anyway).
    await this.recent
      .remember(message, {
        store: !this.direct,
        also: sender && clientMsgId ? this.sequence.ackedRecord(sender.id, clientMsgId, reservation) : undefined,
      })
      .catch((error: Error) => this.logger.warn(`message ${id} durable but not cached for reads: ${error.message}`));
    return { id, seq, createdAt };
  }

  /** PERSISTENCE_MODE=direct: numbered, then written to MySQL in its own transaction before anything else. */
  private async insertNow(draft: Draft): Promise<Reservation> {
    const [reservation] = await this.sequence.reserve([draft]);
    const { id, seq, createdAt } = reservation;
    if (needsStoring(reservation, draft)) await this.messages.insertNow(persistJob(draft, id, seq, createdAt));
    return reservation;
  }

  private unavailable(room: RoomEntity, error: unknown): AppError {
    this.logger.warn(`message to room ${room.id} not accepted: ${(error as Error).message}`);
    return new AppError(ErrorCode.Unavailable, 'The message could not be stored; retry with the same clientMsgId');
  }
}

/** When a message id was minted; 0 for one no clock could have made (ULID time past its maximum). */
function mintedAt(id: string): number {
  try {
    return decodeTime(id);
  } catch {
    return 0;
  }
}
