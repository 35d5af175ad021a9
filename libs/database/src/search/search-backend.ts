import type { EntityManager } from 'typeorm';
import type { PersistMessageJob } from '@chat/contracts';

/**
 * The two sides of a message-search backend. MySQL's FULLTEXT index is the one there is
 * (mysql-search-indexer.ts, mysql-search-finder.ts; chosen by SEARCH_BACKEND in backends.ts);
 * docs/SCALING.md says how a search cluster (OpenSearch, Elasticsearch) would take its place
 * behind the same two interfaces.
 */

/** What the index needs of a message. */
export type IndexedMessage = Pick<PersistMessageJob, 'id' | 'roomId' | 'seq' | 'type' | 'content'>;

/**
 * The writing side. Every call runs inside the caller's transaction, so a message and its
 * index entry commit together: the worker's persistence batch, a deletion, an edit.
 */
export interface SearchIndexer {
  /**
   * Indexes new messages: the chat messages with searchable text, the others are skipped; answers
   * how many that was. A repeat changes nothing.
   */
  index(tx: EntityManager, messages: IndexedMessage[]): Promise<number>;
  /** Indexes a stored message again as it stands now (after an edit), or removes it if it is no longer searchable. */
  reindex(tx: EntityManager, messageId: string): Promise<void>;
  remove(tx: EntityManager, messageId: string): Promise<void>;
}

export interface SearchRequest {
  /** Only rooms this user is a member of, and in each only what they see (above their invitation floor). */
  userId: number;
  /** Only this room. */
  roomId?: number;
  q: string;
  /** Only messages with a lower id (older) than this one: the previous page's last. */
  before?: string;
  limit: number;
}

export interface SearchPage {
  /** Matching message ids the user may see, newest (highest id) first; never a deleted or system message. */
  ids: string[];
  /** The id to pass as `before` for the next page; null when there are no more matches. */
  next: string | null;
}

/** The reading side. */
export interface SearchFinder {
  find(db: EntityManager, request: SearchRequest): Promise<SearchPage>;
}
