import type { EntityManager } from 'typeorm';
import type { SearchFinder, SearchPage, SearchRequest } from './search-backend';
import { matchesExactly, type ParsedQuery, parseQuery } from './search-query';

/**
 * A page reads one candidate more than it holds, and if some fail the exact check, rounds of
 * four times as many, at most four rounds in all. A candidate fails only when a CJK run of three
 * or more characters in the query has all its pairs in a message but not side by side, which is
 * rare: the first round nearly always settles the page.
 */
const GROWTH = 4;
const MAX_ROUNDS = 4;

interface Candidate {
  id: string;
  content: string;
}

/**
 * Pages through the FULLTEXT candidates the user may see, newest first, keeping those that pass
 * the exact check, until the page is full. A page that ran out of rounds is returned short (even
 * empty) with a cursor after the last candidate examined, so paging on still visits every match
 * once.
 */
export const mysqlSearchFinder: SearchFinder = {
  async find(db, request) {
    const query = parseQuery(request.q);
    if (query.against === null) return { ids: [], next: null };
    const ids: string[] = [];
    let before = request.before;
    let want = request.limit + 1;
    for (let round = 0; round < MAX_ROUNDS; round++, want *= GROWTH) {
      const candidates = await candidatesOf(db, request, query, before, want);
      for (const candidate of candidates) {
        if (!matchesExactly(candidate.content, query)) continue;
        ids.push(candidate.id);
        if (ids.length > request.limit) return fullPage(ids, request.limit);
      }
      if (candidates.length < want) return { ids, next: null };
      before = candidates[candidates.length - 1].id;
    }
    return { ids, next: before ?? null };
  },
};

function fullPage(ids: string[], limit: number): SearchPage {
  const page = ids.slice(0, limit);
  return { ids: page, next: page[page.length - 1] };
}

/**
 * The FULLTEXT match first (STRAIGHT_JOIN: the index is the only selective part of the plan),
 * then per candidate the primary-key lookups that decide whether the user sees it: a membership
 * (the invitation floor), a live room, a message that is still there. Ordered by message id, a
 * ULID: the order messages were made in.
 */
async function candidatesOf(
  db: EntityManager,
  request: SearchRequest,
  query: ParsedQuery,
  before: string | undefined,
  limit: number,
): Promise<Candidate[]> {
  const rows = await db.query<{ id: string; content: string }[]>(
    `SELECT s.message_id AS id, m.content
       FROM message_search s
       STRAIGHT_JOIN room_members rm ON rm.room_id = s.room_id AND rm.user_id = ?
       STRAIGHT_JOIN rooms r ON r.id = s.room_id
       STRAIGHT_JOIN messages m ON m.id = s.message_id
      WHERE MATCH (s.terms) AGAINST (? IN BOOLEAN MODE)
        AND s.seq > rm.joined_seq AND r.deleted_at IS NULL AND m.deleted_at IS NULL AND m.type = 'chat'
        ${request.roomId === undefined ? '' : 'AND s.room_id = ?'}
        ${before === undefined ? '' : 'AND s.message_id < ?'}
      ORDER BY s.message_id DESC
      LIMIT ?`,
    [
      request.userId,
      query.against,
      ...(request.roomId === undefined ? [] : [request.roomId]),
      ...(before === undefined ? [] : [before]),
      limit,
    ],
  );
  return rows.map((row) => ({ id: String(row.id), content: String(row.content) }));
}
