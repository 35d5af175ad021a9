import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '@chat/config';
import type { StoredMessage } from '@chat/contracts';
import { type SearchFinder, searchFinderFor, type SearchRequest } from '@chat/database';
import { MESSAGE_COLUMNS, MESSAGE_JOINS, toChatMessage } from './messages.repository';
import { ReplicaReads } from './replica-reads';

export interface FoundMessages {
  /** Newest first. */
  messages: StoredMessage[];
  /** The id the next page continues below; null at the end. */
  next: string | null;
}

/**
 * Message search through SEARCH_BACKEND's finder, which answers the ids of what the caller may
 * see; the messages themselves are read here with history's columns and mapper, so a result is
 * the message exactly as history shows it. Search is a heavy read that tolerates lag (a new
 * message shows up once the replica has it), so it runs on a replica when there is one.
 */
@Injectable()
export class SearchRepository {
  private readonly finder?: SearchFinder;

  constructor(
    private readonly reads: ReplicaReads,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.finder = searchFinderFor(config.search.backend);
  }

  /** False with SEARCH_BACKEND=none. */
  get available(): boolean {
    return this.finder !== undefined;
  }

  find(request: SearchRequest): Promise<FoundMessages> {
    const { finder } = this;
    if (!finder) throw new Error('message search is off (SEARCH_BACKEND=none): ask `available` first');
    return this.reads.run(async (db) => {
      const page = await finder.find(db, request);
      return { messages: await messagesById(db, page.ids), next: page.next };
    });
  }
}

/** In the order of `ids`; one deleted since the finder saw it is left out. */
async function messagesById(db: EntityManager, ids: string[]): Promise<StoredMessage[]> {
  if (ids.length === 0) return [];
  const rows = await db.query<Record<string, unknown>[]>(
    `SELECT ${MESSAGE_COLUMNS}
       FROM messages m
       ${MESSAGE_JOINS}
      WHERE m.id IN (?) AND m.deleted_at IS NULL`,
    [ids],
  );
  const byId = new Map(rows.map(toChatMessage).map((message) => [message.id, message]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}
