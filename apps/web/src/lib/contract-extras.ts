import type { ChatMessage } from '@chat/contracts';

// Parts of the v2 contract (API.md "v2 additions": Search) that @chat/contracts does not declare
// yet: replace each with the contract's own type once it has one.

/** An opaque `nextCursor` of GET /search/messages: passed back as `cursor` unchanged. */
export type SearchCursor = string | number;

/** GET /search/messages: full messages, newest first. */
export interface SearchPage {
  messages: ChatMessage[];
  nextCursor: SearchCursor | null;
}
