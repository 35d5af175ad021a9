import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import {
  ErrorCode,
  type MessageAccepted,
  type MessageSender,
  type MessageType,
  type ReplyRef,
  type Attachment,
  type StoredAttachment,
  type StoredMessage,
} from '@chat/contracts';
import type { RoomEntity } from '@chat/database';
import { traceCarrier } from '@chat/telemetry';
import { AttachmentClaims, AttachmentLinks } from '../attachments';
import { AppError } from '../common/app-error';
import { currentRequestId } from '../common/request-id';
import { DomainEvents } from '../common/domain-events';
import { RealtimeRepository } from '../repositories/realtime.repository';
import { RecentMessageRepository } from '../repositories/recent-message.repository';
import { isMuted, RoomAccess } from '../rooms';
import { messageIdFactory } from './message-ids';
import { MessageReferences } from './message-references';
import { type Draft, MessageSink, traceAccepted } from './message-sink';

export interface SendInput {
  roomId: number;
  content: string;
  clientMsgId?: string;
  /** Uploads to the room by the sender that no message uses yet (AttachmentClaims). */
  attachmentIds?: string[];
  /** The id of a message of the same room this one answers. */
  replyTo?: string;
  /** User ids; those who are not members are dropped. */
  mentions?: number[];
}

interface PublishOptions {
  clientMsgId?: string;
  /** As stored, and as broadcast (with links, made before the seq is taken so nothing delays the broadcast). */
  attachments?: { stored: StoredAttachment[]; shown: Attachment[] };
  replyTo?: ReplyRef;
  mentions?: number[];
  queued?: () => void;
}

/**
 * The write path: a message is checked, given its room's next seq, made durable (MessageSink),
 * broadcast, and only then acknowledged. If it cannot be made durable nothing is broadcast and
 * the sender gets UNAVAILABLE, so a retry is always safe. Refusals happen before a seq is taken,
 * so they leave no hole in the room's sequence. System notes ("Ann joined") take the same path.
 */
@Injectable()
export class MessagePublisher implements OnModuleInit {
  private readonly logger = new Logger(MessagePublisher.name);
  private readonly newId = messageIdFactory();

  constructor(
    private readonly access: RoomAccess,
    private readonly sink: MessageSink,
    private readonly realtime: RealtimeRepository,
    private readonly recent: RecentMessageRepository,
    private readonly events: DomainEvents,
    private readonly claims: AttachmentClaims,
    private readonly links: AttachmentLinks,
    private readonly references: MessageReferences,
  ) {}

  onModuleInit(): void {
    this.events.on('room.membership-changed', async ({ room, note }) => {
      await this.publish(room, 'system', note, null);
    });
  }

  /** `queued` is called once the message has its place in the queue (its seq order), before it is durable. */
  async send(sender: MessageSender, input: SendInput, queued?: () => void): Promise<MessageAccepted> {
    const { room, member } = await this.access.require(input.roomId, sender, 'send');
    if (member && isMuted(member.mutedUntil)) throw new AppError(ErrorCode.Muted, 'You are muted in this room');
    const { clientMsgId, attachmentIds } = input;
    // Most messages point at nothing: they wait for no lookup.
    const [replyTo, mentions] =
      input.replyTo === undefined && !input.mentions?.length
        ? []
        : await Promise.all([
            input.replyTo === undefined ? undefined : this.references.quote(room.id, member?.joinedSeq ?? 0, input.replyTo),
            input.mentions?.length ? this.references.mentionable(room.id, sender.id, input.mentions) : undefined,
          ]);
    const options = { clientMsgId, replyTo, mentions, queued };
    if (!attachmentIds?.length) return this.publish(room, 'chat', input.content, sender, options);
    const claimed = await this.claims.claim(attachmentIds, { roomId: room.id, senderId: sender.id, clientMsgId });
    try {
      const attachments = { stored: claimed.attachments, shown: await this.links.shown(claimed.attachments) };
      return await this.publish(room, 'chat', input.content, sender, { ...options, attachments });
    } catch (error) {
      // Nothing was stored: the uploads are free for another message.
      await claimed.release().catch(() => undefined);
      throw error;
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
    { clientMsgId, attachments = { stored: [], shown: [] }, replyTo, mentions = [], queued }: PublishOptions = {},
  ): Promise<MessageAccepted> {
    const draft: Draft = {
      roomId: room.id,
      floor: room.lastSeq,
      id: this.newId(),
      createdAt: new Date().toISOString(),
      senderId: sender?.id,
      clientMsgId,
      budgeted: type === 'chat',
      type,
      content,
      attachments: attachments.stored,
      replyTo,
      mentions,
      requestId: currentRequestId(),
      trace: traceCarrier(),
    };
    const accepted = this.sink.accept(draft);
    queued?.();
    const reservation = await accepted.catch((error: unknown) => {
      if (error instanceof AppError) throw error;
      this.logger.warn(`message to room ${room.id} not accepted: ${(error as Error).message}`);
      throw new AppError(ErrorCode.Unavailable, 'The message could not be stored; retry with the same clientMsgId');
    });
    const { id, seq, createdAt } = reservation;
    traceAccepted(room.id, reservation);
    if (reservation.roomId !== room.id) throw new AppError(ErrorCode.Conflict, 'This clientMsgId was already used for another room');
    if (reservation.acked) return { id, seq, createdAt };
    const message: StoredMessage = {
      id,
      seq,
      roomId: room.id,
      content,
      type,
      sender,
      createdAt,
      ...(clientMsgId ? { clientMsgId } : {}),
      attachments: attachments.stored,
      editedAt: null,
      replyTo: replyTo ?? null,
      mentions,
      reactions: [],
    };
    this.realtime.clientSend({ room: room.id }, 'message', { ...message, attachments: attachments.shown });
    if (sender && mentions.length > 0) {
      this.realtime.clientSend({ users: mentions }, 'mention', { roomId: room.id, messageId: id, seq, from: sender });
    }
    // After the broadcast: a retry that finds the message here knows it went out (QueueSink).
    // A row already in MySQL needs no copy for reads.
    if (!this.sink.storedOnAccept) {
      await this.recent
        .remember(message)
        .catch((error: Error) => this.logger.warn(`message ${id} durable but not cached for reads: ${error.message}`));
    }
    return { id, seq, createdAt };
  }
}
