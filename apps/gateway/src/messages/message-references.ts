import { Injectable } from '@nestjs/common';
import { ErrorCode, REPLY_EXCERPT_LENGTH, type ReplyRef } from '@chat/contracts';
import { AppError } from '../common/app-error';
import { MembersRepository } from '../repositories/members.repository';
import { MessagesRepository } from '../repositories/messages.repository';
import { RecentMessageRepository } from '../repositories/recent-message.repository';
import { mintedAt } from './message-ids';

/** A message the worker has not stored yet is among its room's newest; how far back to look for it. */
const UNSTORED_WINDOW = 200;
/** Ids minted longer ago than this are in MySQL by now, unless the worker is down. */
const UNSTORED_WITHIN_MS = 30_000;

/** What a new message may point at: the message it answers and the members it mentions. */
@Injectable()
export class MessageReferences {
  constructor(
    private readonly messages: MessagesRepository,
    private readonly recent: RecentMessageRepository,
    private readonly members: MembersRepository,
  ) {}

  /**
   * The quoted message, if it is a live message of this room the sender can see (after their
   * invitation floor); VALIDATION_FAILED otherwise. One the worker has not stored yet is found
   * in the room's read cache.
   */
  async quote(roomId: number, floor: number, id: string): Promise<ReplyRef> {
    const stored = (await this.messages.quotes([id])).get(id);
    const found = stored ?? (mintedAt(id) > Date.now() - UNSTORED_WITHIN_MS ? await this.fromCache(roomId, id) : undefined);
    // A deleted message reads with no excerpt: it cannot be answered.
    if (!found || found.excerpt === null || found.roomId !== roomId || found.seq <= floor) {
      throw new AppError(ErrorCode.ValidationFailed, 'replyTo must be the id of a message in this room');
    }
    return { id: found.id, seq: found.seq, senderId: found.senderId, excerpt: found.excerpt };
  }

  /** The mentioned users who are members of the room, without the sender, each once, in the order given. */
  async mentionable(roomId: number, senderId: number, userIds: number[]): Promise<number[]> {
    const wanted = [...new Set(userIds)].filter((id) => id !== senderId);
    const members = new Set(await this.members.membersAmong(roomId, wanted));
    return wanted.filter((id) => members.has(id));
  }

  private async fromCache(roomId: number, id: string): Promise<(ReplyRef & { roomId: number }) | undefined> {
    const message = await this.recent.findNewest(roomId, id, UNSTORED_WINDOW);
    if (!message) return undefined;
    // Characters as MySQL's LEFT() counts them: code points.
    const excerpt = [...message.content].slice(0, REPLY_EXCERPT_LENGTH).join('');
    return { id, roomId, seq: message.seq, senderId: message.sender?.id ?? null, excerpt };
  }
}
