import type { EntityManager } from 'typeorm';
import type { SearchFinder, SearchPage, SearchRequest } from './search-backend';
import { againstIn, matchesExactly, type ParsedQuery, parseQuery } from './search-query';

/**
 * A page reads one candidate more than it holds, and if some fail the exact check, rounds of
 * four times as many, at most four rounds in all. A candidate fails only when the index could not
 * tell (a CJK run of three or more characters whose pairs are all in a message but not side by
 * side, a long word cut to its first bytes, a long query's terms left out): the first round nearly
 * always settles the page.
 */
const GROWTH = 4;
const MAX_ROUNDS = 4;

/**
 * Rooms per FULLTEXT query. Each query term is asked for in every room of the group, so a member
 * of many rooms is searched a group at a time and the groups' newest candidates merged.
 */
const ROOMS_PER_QUERY = 100;

/**
 * Pages through the candidates the index finds in the user's rooms, newest first, keeping those
 * that pass the exact check, until the page is full. A page that ran out of rounds is returned
 * short (even empty) with a cursor after the last candidate examined, so paging on still visits
 * every match once.
 */
export const mysqlSearchFinder: SearchFinder = {
  async find(db, request) {
    const query = parseQuery(request.q);
    const rooms = query.terms.length === 0 ? [] : await roomsOf(db, request);
    if (rooms.length === 0) return { ids: [], next: null };
    const ids: string[] = [];
    let before = request.before;
    let want = request.limit + 1;
    for (let round = 0; round < MAX_ROUNDS; round++, want *= GROWTH) {
      const candidates = await candidatesIn(db, request.userId, rooms, query, before, want);
      for (const id of await exactMatches(db, candidates, query)) {
        ids.push(id);
        if (ids.length > request.limit) return fullPage(ids, request.limit);
      }
      if (candidates.length < want) return { ids, next: null };
      before = candidates[candidates.length - 1];
    }
    return { ids, next: before ?? null };
  },
};

function fullPage(ids: string[], limit: number): SearchPage {
  const page = ids.slice(0, limit);
  return { ids: page, next: page[page.length - 1] };
}

/** The live rooms the user is a member of (or just the one asked for, if they are). */
async function roomsOf(db: EntityManager, request: SearchRequest): Promise<number[]> {
  const rows = await db.query<{ room_id: number }[]>(
    `SELECT rm.room_id
       FROM room_members rm
       JOIN rooms r ON r.id = rm.room_id AND r.deleted_at IS NULL
      WHERE rm.user_id = ? ${request.roomId === undefined ? '' : 'AND rm.room_id = ?'}`,
    request.roomId === undefined ? [request.userId] : [request.userId, request.roomId],
  );
  return rows.map((row) => Number(row.room_id));
}

/** The newest `limit` candidate ids below `before`, over every group of rooms. */
async function candidatesIn(
  db: EntityManager,
  userId: number,
  rooms: number[],
  query: ParsedQuery,
  before: string | undefined,
  limit: number,
): Promise<string[]> {
  const groups: number[][] = [];
  for (let i = 0; i < rooms.length; i += ROOMS_PER_QUERY) groups.push(rooms.slice(i, i + ROOMS_PER_QUERY));
  const found = await Promise.all(groups.map((group) => candidatesInGroup(db, userId, group, query, before, limit)));
  return found
    .flat()
    .sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))
    .slice(0, limit);
}

/**
 * The FULLTEXT match first (STRAIGHT_JOIN: the index is the only selective part of the plan):
 * its terms are scoped to these rooms, so it finds only messages of rooms the user is in; the
 * membership then drops those at or below the user's invitation floor. Ordered by message id, a
 * ULID: the order messages were made in.
 */
async function candidatesInGroup(
  db: EntityManager,
  userId: number,
  rooms: number[],
  query: ParsedQuery,
  before: string | undefined,
  limit: number,
): Promise<string[]> {
  const rows = await db.query<{ id: string }[]>(
    `SELECT s.message_id AS id
       FROM message_search s
       STRAIGHT_JOIN room_members rm ON rm.room_id = s.room_id AND rm.user_id = ?
      WHERE MATCH (s.terms) AGAINST (? IN BOOLEAN MODE) AND s.seq > rm.joined_seq
        ${before === undefined ? '' : 'AND s.message_id < ?'}
      ORDER BY s.message_id DESC
      LIMIT ?`,
    [userId, againstIn(query, rooms), ...(before === undefined ? [] : [before]), limit],
  );
  return rows.map((row) => String(row.id));
}

/** The candidates, in order, that are live chat messages whose text passes the exact check. */
async function exactMatches(db: EntityManager, candidates: string[], query: ParsedQuery): Promise<string[]> {
  if (candidates.length === 0) return [];
  const rows = await db.query<{ id: string; content: string }[]>(
    "SELECT id, content FROM messages WHERE id IN (?) AND deleted_at IS NULL AND type = 'chat'",
    [candidates],
  );
  const content = new Map(rows.map((row) => [String(row.id), String(row.content)]));
  return candidates.filter((id) => {
    const text = content.get(id);
    return text !== undefined && matchesExactly(text, query);
  });
}
