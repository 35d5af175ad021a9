import { Injectable } from '@nestjs/common';
import { type ChatMessage, ErrorCode } from '@chat/contracts';
import { AttachmentLinks } from '../attachments';
import { AppError } from '../common/app-error';
import { MessagesRepository, type StoredMessageRef } from '../repositories/messages.repository';
import { ReactionsRepository } from '../repositories/reactions.repository';
import { RealtimeRepository } from '../repositories/realtime.repository';
import { RecentMessageRepository } from '../repositories/recent-message.repository';
import { type Caller, isMuted, RoomAccess } from '../rooms';
import { StoredMessages } from './stored-messages';

/**
 * What members do to a message after it is sent: the author edits it, anyone reacts to it. Both
 * write its row in MySQL before they are acknowledged (StoredMessages), and both are broadcast to
 * the room only once committed.
 */
@Injectable()
export class MessageChanges {
  constructor(
    private readonly access: RoomAccess,
    private readonly stored: StoredMessages,
    private readonly messages: MessagesRepository,
    private readonly reactions: ReactionsRepository,
    private readonly recent: RecentMessageRepository,
    private readonly realtime: RealtimeRepository,
    private readonly links: AttachmentLinks,
  ) {}

  /** By its author only, while a member of the room and not muted; system messages are nobody's. */
  async edit(caller: Caller, messageId: string, content: string): Promise<ChatMessage> {
    const target = await this.target(caller, messageId);
    if (target.type === 'system') throw new AppError(ErrorCode.Forbidden, 'System messages cannot be edited');
    if (target.senderId !== caller.id) throw new AppError(ErrorCode.Forbidden, 'Only its author may edit a message');
    const message = await this.messages.edit(messageId, content);
    if (!message) throw new AppError(ErrorCode.NotFound, `Message ${messageId} does not exist`);
    // The row wins over a cached copy anyway; the copy would only be read until the worker drops it.
    await this.recent.remove(target.roomId, target.seq).catch(() => undefined);
    const { id, roomId, seq, editedAt } = message;
    this.realtime.clientSend({ room: roomId }, 'message_updated', { id, roomId, seq, content: message.content, editedAt: editedAt ?? '' });
    const [mine] = await this.reactions.markMine(caller.id, [message]);
    return this.links.presentOne(mine);
  }

  /** Adds (`on`) or removes the caller's reaction; a repeat changes nothing and broadcasts nothing. */
  async react(caller: Caller, messageId: string, emoji: string, on: boolean): Promise<void> {
    const target = await this.target(caller, messageId);
    const change = await this.reactions.set(messageId, caller.id, emoji, on);
    if (!change) throw new AppError(ErrorCode.NotFound, `Message ${messageId} does not exist`);
    if (!change.changed) return;
    this.realtime.clientSend({ room: target.roomId }, 'reaction', {
      roomId: target.roomId,
      messageId,
      emoji,
      userId: caller.id,
      on,
      count: change.count,
    });
  }

  /** The message, if the caller may change it: a member of its room who is not muted and can see it (after their invitation). */
  private async target(caller: Caller, messageId: string): Promise<StoredMessageRef> {
    const message = await this.stored.find(messageId, ErrorCode.Unavailable);
    const { member } = await this.access.require(message.roomId, caller, 'send');
    if (member && isMuted(member.mutedUntil)) throw new AppError(ErrorCode.Muted, 'You are muted in this room');
    if (member && message.seq <= member.joinedSeq) throw new AppError(ErrorCode.NotFound, `Message ${messageId} does not exist`);
    return message;
  }
}
