import { Injectable } from '@nestjs/common';
import type { ChatMessage, HistoryPage, StoredMessage } from '@chat/contracts';
import { AttachmentLinks } from '../attachments';
import { MessagesRepository } from '../repositories/messages.repository';
import { ReactionsRepository } from '../repositories/reactions.repository';
import { RecentMessageRepository } from '../repositories/recent-message.repository';
import { type Caller, RoomAccess } from '../rooms';
import { mergePages } from './merge-pages';

export interface HistoryQuery {
  before?: number;
  after?: number;
  limit?: number;
}

/** Reads: MySQL's rows merged with the acknowledged messages the worker has not written yet, so a client always reads its own writes. */
@Injectable()
export class MessageHistory {
  constructor(
    private readonly access: RoomAccess,
    private readonly messages: MessagesRepository,
    private readonly recent: RecentMessageRepository,
    private readonly links: AttachmentLinks,
    private readonly reactions: ReactionsRepository,
  ) {}

  async history(caller: Caller, roomId: number, query: HistoryQuery): Promise<HistoryPage> {
    const { member } = await this.access.require(roomId, caller, 'read');
    const limit = query.limit ?? 50;
    const order = query.after === undefined ? 'desc' : 'asc';
    const floor = member?.joinedSeq ?? 0;
    const lower = Math.max(floor, query.after ?? 0);
    const upper = query.before ?? Number.MAX_SAFE_INTEGER;
    const [rows, pending] = await Promise.all([
      this.stored(roomId, { floor, before: query.before, after: query.after, limit: limit + 1 }),
      this.recent.range(roomId, lower, upper, order, limit + 1),
    ]);
    const page = mergePages(rows, await this.quotingNow(pending), order, limit + 1);
    const messages = page.slice(0, limit);
    const last = messages.at(-1);
    const shown = await this.links.present(await this.reactions.markMine(caller.id, messages));
    return { messages: shown, nextCursor: page.length > limit && last ? last.seq : null };
  }

  /**
   * Cached messages carry the quote of the message they answer as it read when they were sent;
   * rows read it as it is now (MESSAGE_JOINS). An edit or a deletion of the quoted message since
   * must show in both.
   */
  private async quotingNow(pending: StoredMessage[]): Promise<StoredMessage[]> {
    const quoted = [...new Set(pending.flatMap((m) => (m.replyTo ? [m.replyTo.id] : [])))];
    if (quoted.length === 0) return pending;
    const now = await this.messages.quotes(quoted);
    return pending.map((m) => {
      const quote = m.replyTo && now.get(m.replyTo.id);
      return quote ? { ...m, replyTo: { id: quote.id, seq: quote.seq, senderId: quote.senderId, excerpt: quote.excerpt } } : m;
    });
  }

  /**
   * MySQL's rows of a page. Scrolling back (`before` alone) may be served by a replica when it
   * proves it has the whole page; the head of a room and `after` pages (sync, catch-up) are
   * what was just written, so they are read from the primary.
   */
  private async stored(roomId: number, page: Parameters<MessagesRepository['page']>[1]): Promise<StoredMessage[]> {
    const { before } = page;
    const settled =
      before !== undefined && page.after === undefined ? await this.messages.settledPage(roomId, { ...page, before }) : undefined;
    return settled ?? this.messages.page(roomId, page);
  }

  /** The messages after `afterSeq`, oldest first: what a client calls after a gap or a reconnect. */
  async sync(caller: Caller, roomId: number, afterSeq: number, limit = 100): Promise<ChatMessage[]> {
    return (await this.history(caller, roomId, { after: afterSeq, limit })).messages;
  }
}
