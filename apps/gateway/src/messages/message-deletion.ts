import { setTimeout as sleep } from 'node:timers/promises';
import { decodeTime } from 'ulid';
import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { MessagesRepository, type StoredMessageRef } from '../repositories/messages.repository';
import { RealtimeRepository } from '../repositories/realtime.repository';
import { RecentMessageRepository } from '../repositories/recent-message.repository';
import { RoomsRepository } from '../repositories/rooms.repository';
import { type Caller, outranks, RoomAccess } from '../rooms';

const DELETE_WAIT_ATTEMPTS = 10;
const DELETE_WAIT_STEP_MS = 200;
/** Ids older than this are in MySQL by now (persistence lags by milliseconds), unless the worker is down. */
const DELETE_WAIT_FOR_IDS_WITHIN_MS = 30_000;

/** Deleting a message: by its author while a member, a room moderator who outranks the author, or a site admin. */
@Injectable()
export class MessageDeletion {
  constructor(
    private readonly access: RoomAccess,
    private readonly rooms: RoomsRepository,
    private readonly messages: MessagesRepository,
    private readonly recent: RecentMessageRepository,
    private readonly realtime: RealtimeRepository,
  ) {}

  async delete(caller: Caller, messageId: string): Promise<void> {
    const message = await this.findStored(messageId);
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
}

/** When a message id was minted; 0 for one no clock could have made (ULID time past its maximum). */
function mintedAt(id: string): number {
  try {
    return decodeTime(id);
  } catch {
    return 0;
  }
}
