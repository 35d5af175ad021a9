import { Injectable, Logger } from '@nestjs/common';
import { monotonicFactory } from 'ulid';
import { type ChatMessage, ErrorCode, type MessageAccepted, type MessageSender, type MessageType } from '@chat/contracts';
import type { RoomEntity } from '@chat/database';
import { AppError } from '../common/app-error';
import { RealtimeServer } from '../realtime/realtime.server';
import { RoomsRepository } from '../rooms/rooms.repository';
import { MessageQueue } from './message-queue';
import { MessagesRepository } from './messages.repository';
import { SequenceService } from './sequence.service';

export interface SendInput {
  roomId: number;
  content: string;
  clientMsgId?: string;
}

export interface HistoryPage {
  messages: ChatMessage[];
  nextCursor: number | null;
}

/**
 * The write path: a message is checked, given its room's next seq, made durable on the queue,
 * broadcast, and only then acknowledged. If it cannot be made durable nothing is broadcast and
 * the sender gets UNAVAILABLE, so a retry is always safe.
 */
@Injectable()
export class MessagesService {
  private readonly logger = new Logger(MessagesService.name);
  private readonly newId = monotonicFactory();

  constructor(
    private readonly rooms: RoomsRepository,
    private readonly messages: MessagesRepository,
    private readonly sequence: SequenceService,
    private readonly queue: MessageQueue,
    private readonly realtime: RealtimeServer,
  ) {}

  async send(sender: MessageSender, input: SendInput): Promise<MessageAccepted> {
    const membership = await this.rooms.findMembership(input.roomId, sender.id);
    if (!membership) throw new AppError(ErrorCode.NotFound, `Room ${input.roomId} does not exist`);
    if (membership.banned) throw new AppError(ErrorCode.Banned, 'You are banned from this room');
    const member = membership.member;
    if (!member) throw new AppError(ErrorCode.NotMember, 'Join the room before sending to it');
    if (member.mutedUntil && member.mutedUntil.getTime() > Date.now()) {
      throw new AppError(ErrorCode.Muted, 'You are muted in this room');
    }
    return this.publish(membership.room, 'chat', input.content, sender, input.clientMsgId);
  }

  /** Join/leave/invite/kick/ban notes: stored and pushed like any message, with no sender. */
  postSystem(room: RoomEntity, content: string): Promise<MessageAccepted> {
    return this.publish(room, 'system', content, null);
  }

  async history(userId: number, roomId: number, query: { before?: number; after?: number; limit?: number }): Promise<HistoryPage> {
    const membership = await this.rooms.findMembership(roomId, userId);
    if (!membership) throw new AppError(ErrorCode.NotFound, `Room ${roomId} does not exist`);
    if (!membership.member) throw new AppError(ErrorCode.NotMember, 'Only members can read this room');
    const limit = query.limit ?? 50;
    const rows = await this.messages.page(roomId, {
      floor: membership.member.joinedSeq,
      before: query.before,
      after: query.after,
      limit: limit + 1,
    });
    const messages = rows.slice(0, limit);
    const last = messages.at(-1);
    return { messages, nextCursor: rows.length > limit && last ? last.seq : null };
  }

  private async publish(
    room: RoomEntity,
    type: MessageType,
    content: string,
    sender: MessageSender | null,
    clientMsgId?: string,
  ): Promise<MessageAccepted> {
    const id = this.newId();
    const createdAt = new Date().toISOString();
    let seq: number;
    try {
      seq = await this.sequence.next(room.id, room.lastSeq);
      await this.queue.enqueue({
        id,
        roomId: room.id,
        seq,
        senderId: sender?.id ?? null,
        type,
        content,
        clientMsgId: clientMsgId ?? null,
        createdAt,
      });
    } catch (error) {
      this.logger.warn(`message to room ${room.id} not accepted: ${(error as Error).message}`);
      throw new AppError(ErrorCode.Unavailable, 'The message could not be stored; retry with the same clientMsgId');
    }
    const message: ChatMessage = { id, seq, roomId: room.id, content, type, sender, createdAt, ...(clientMsgId ? { clientMsgId } : {}) };
    this.realtime.toRoom(room.id).emit('message', message);
    return { id, seq, createdAt };
  }
}
