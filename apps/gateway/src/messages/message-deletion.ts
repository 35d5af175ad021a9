import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { MessagesRepository } from '../repositories/messages.repository';
import { RealtimeRepository } from '../repositories/realtime.repository';
import { RecentMessageRepository } from '../repositories/recent-message.repository';
import { RoomsRepository } from '../repositories/rooms.repository';
import { type Caller, outranks, RoomAccess } from '../rooms';
import { StoredMessages } from './stored-messages';

/** Deleting a message: by its author while a member, a room moderator who outranks the author, or a site admin. */
@Injectable()
export class MessageDeletion {
  constructor(
    private readonly access: RoomAccess,
    private readonly rooms: RoomsRepository,
    private readonly messages: MessagesRepository,
    private readonly stored: StoredMessages,
    private readonly recent: RecentMessageRepository,
    private readonly realtime: RealtimeRepository,
  ) {}

  async delete(caller: Caller, messageId: string): Promise<void> {
    const message = await this.stored.find(messageId);
    if (message.senderId === caller.id) {
      await this.access.require(message.roomId, caller, 'beMember');
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
      this.realtime.clientSend({ room: message.roomId }, 'message_deleted', { id: message.id, roomId: message.roomId, seq: message.seq });
    }
  }
}
