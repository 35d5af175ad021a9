import { Injectable } from '@nestjs/common';
import { ErrorCode } from '@chat/contracts';
import { AttachmentLinks } from '../attachments';
import { AppError } from '../common/app-error';
import { ReactionsRepository } from '../repositories/reactions.repository';
import { SearchRepository } from '../repositories/search.repository';
import { type Caller, RoomAccess } from '../rooms';
import { SEARCH_DEFAULT_LIMIT, type SearchQueryDto } from './dto/search.dto';
import type { SearchResults } from './dto/search.response';
import { decodeSearchCursor, encodeSearchCursor } from './search-cursor';

/**
 * Searching one's messages: only rooms one is a member of now, from one's invitation on, never
 * deleted messages or system notes (the finder's rules, docs/ARCHITECTURE.md "Search"). Narrowed
 * to a room, the room is checked first, with the contract's codes; unlike history, a site admin
 * searches only rooms they are a member of.
 */
@Injectable()
export class MessageSearch {
  constructor(
    private readonly access: RoomAccess,
    private readonly search: SearchRepository,
    private readonly links: AttachmentLinks,
    private readonly reactions: ReactionsRepository,
  ) {}

  async find(caller: Caller, query: SearchQueryDto): Promise<SearchResults> {
    if (!this.search.available) throw new AppError(ErrorCode.Unavailable, 'Message search is turned off on this deployment');
    if (query.room !== undefined) await this.access.require(query.room, caller, 'beMember');
    const found = await this.search.find({
      userId: caller.id,
      roomId: query.room,
      q: query.q,
      before: query.cursor === undefined ? undefined : decodeSearchCursor(query.cursor),
      limit: query.limit ?? SEARCH_DEFAULT_LIMIT,
    });
    const messages = await this.links.present(await this.reactions.markMine(caller.id, found.messages));
    return { messages, nextCursor: found.next === null ? null : encodeSearchCursor(found.next) };
  }
}
