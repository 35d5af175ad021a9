import {
  type ChatMessage,
  type HistoryPage,
  type ReactionCount,
  REPLY_EXCERPT_LENGTH,
  type ReplyRef,
  type StoredAttachment,
} from '@chat/contracts';

/** What the composer hands over: enough to send the message again after a refusal. */
export interface Draft {
  content: string;
  attachments: StoredAttachment[];
  replyTo: ReplyRef | null;
  mentions: number[];
}

/** A message of mine the server has not acknowledged yet (or refused: `error`). */
export interface PendingMessage extends Draft {
  clientMsgId: string;
  error: string | null;
}

/**
 * A message as the list holds it. History stops serving a deleted message, but one deleted while
 * on screen stays as a placeholder, so the conversation around it still reads in order.
 */
export type ShownMessage = ChatMessage & { deleted?: true };

/** A `notice` line: not stored, so it has no seq; it sits after the last message seen when it came. */
export interface NoticeLine {
  key: number;
  text: string;
  afterSeq: number;
}

export interface Timeline {
  /** Ascending seq, one per id, with no gap between the two cursors. */
  messages: ShownMessage[];
  pending: PendingMessage[];
  notices: NoticeLine[];
  highestSeq: number;
  /** `before=` for the next older page; null once the start is reached. */
  olderCursor: number | null;
  /**
   * `after=` for the next newer page while an older stretch is shown (around a search result);
   * null when the newest messages are shown, and only then are live messages added.
   */
  newerCursor: number | null;
  /** The message to bring into view and highlight; `key` is new with every request. */
  focus: { seq: number; key: number } | null;
  loaded: boolean;
}

export const emptyTimeline: Timeline = {
  messages: [],
  pending: [],
  notices: [],
  highestSeq: 0,
  olderCursor: null,
  newerCursor: null,
  focus: null,
  loaded: false,
};

/** Replaces what is shown: the newest page, or the stretch around `focusSeq`. */
export interface WindowAction {
  type: 'window';
  page: HistoryPage;
  newerCursor: number | null;
  focusSeq: number | null;
}

export type TimelineAction =
  | WindowAction
  | { type: 'history'; page: HistoryPage }
  | { type: 'newer'; page: HistoryPage }
  | { type: 'focus'; seq: number }
  | { type: 'received'; messages: ChatMessage[] }
  | { type: 'accepted'; message: ChatMessage }
  | { type: 'deleted'; id: string }
  | { type: 'updated'; id: string; content: string; editedAt: string | null }
  /** `mine` is whether I am the one who reacted (then `on` says whether I now have this reaction); undefined for others. */
  | { type: 'reaction'; messageId: string; emoji: string; count: number; mine?: boolean }
  | { type: 'sending'; clientMsgId: string; draft: Draft }
  | { type: 'failed'; clientMsgId: string; error: string }
  | { type: 'notice'; text: string };

let noticeKey = 0;
let focusKey = 0;

export function timelineReducer(state: Timeline, action: TimelineAction): Timeline {
  switch (action.type) {
    case 'window': {
      // Notices belong to the moment they came: a stretch from the past has none.
      const base = { ...state, messages: [], notices: [], newerCursor: action.newerCursor };
      return {
        ...receive(base, action.page.messages),
        olderCursor: action.page.nextCursor,
        focus: action.focusSeq === null ? null : { seq: action.focusSeq, key: ++focusKey },
        loaded: true,
      };
    }
    case 'history':
      return { ...receive(state, action.page.messages), olderCursor: action.page.nextCursor, loaded: true };
    case 'newer':
      return receive({ ...state, newerCursor: action.page.nextCursor }, action.page.messages);
    case 'focus':
      return { ...state, focus: { seq: action.seq, key: ++focusKey } };
    case 'received':
      return receive(state, action.messages);
    case 'accepted': {
      // The broadcast usually came first and has settled the send: it is the fuller copy (links to attachments), so it stays.
      if (state.messages.some((m) => m.id === action.message.id)) return state;
      const pending = state.pending.find((p) => p.clientMsgId === action.message.clientMsgId);
      // A copy made from the ack has no links to its attachments: the send stays pending until the message itself arrives.
      if (pending?.attachments.length) return state;
      return receive(state, [action.message]);
    }
    case 'deleted':
      return {
        ...state,
        messages: state.messages.map((m) => {
          if (m.id === action.id) return { ...m, content: '', attachments: [], reactions: [], mentions: [], replyTo: null, deleted: true };
          return m.replyTo?.id === action.id ? { ...m, replyTo: { ...m.replyTo, excerpt: null } } : m;
        }),
      };
    case 'updated': {
      // Quotes of it read as it reads now, as the server would give them.
      const excerpt = action.content.slice(0, REPLY_EXCERPT_LENGTH);
      return {
        ...state,
        messages: state.messages.map((m) => {
          if (m.id === action.id) return m.deleted ? m : { ...m, content: action.content, editedAt: action.editedAt };
          return m.replyTo?.id === action.id && m.replyTo.excerpt !== null ? { ...m, replyTo: { ...m.replyTo, excerpt } } : m;
        }),
      };
    }
    case 'reaction':
      return {
        ...state,
        messages: state.messages.map((m) =>
          m.id === action.messageId && !m.deleted ? { ...m, reactions: react(m.reactions, action.emoji, action.count, action.mine) } : m,
        ),
      };
    case 'sending': {
      // A retry reuses its clientMsgId (that is what makes it idempotent), so it replaces the failed entry.
      const others = state.pending.filter((p) => p.clientMsgId !== action.clientMsgId);
      return { ...state, pending: [...others, { ...action.draft, clientMsgId: action.clientMsgId, error: null }] };
    }
    case 'failed':
      return { ...state, pending: state.pending.map((p) => (p.clientMsgId === action.clientMsgId ? { ...p, error: action.error } : p)) };
    case 'notice':
      if (state.newerCursor !== null) return state;
      return { ...state, notices: [...state.notices.slice(-49), { key: noticeKey++, text: action.text, afterSeq: state.highestSeq }] };
  }
}

/**
 * Merges by id (live, synced and fetched messages overlap), and settles my pending sends by
 * clientMsgId. While an older stretch is shown, messages past it wait for "newer" pages, so the
 * list never has a hole.
 */
function receive(state: Timeline, arrived: ChatMessage[]): Timeline {
  const limit = state.newerCursor;
  const incoming = limit === null ? arrived : arrived.filter((m) => m.seq <= limit);
  if (incoming.length === 0) return state;
  const byId = new Map(state.messages.map((m) => [m.id, m]));
  for (const m of incoming) {
    const shown = byId.get(m.id);
    // A copy fetched before its deletion may land after the deletion did.
    if (shown?.deleted) continue;
    byId.set(m.id, shown ? withMyReactions(m, shown) : m);
  }
  const delivered = new Set(incoming.flatMap((m) => (m.clientMsgId ? [m.clientMsgId] : [])));
  return {
    ...state,
    messages: [...byId.values()].sort((a, b) => a.seq - b.seq),
    pending: state.pending.filter((p) => !delivered.has(p.clientMsgId)),
    highestSeq: Math.max(state.highestSeq, ...incoming.map((m) => m.seq)),
  };
}

/** Sets one emoji's count; `mine` (when I reacted) sets whether I am among them. A count of 0 drops the chip. */
function react(reactions: ReactionCount[], emoji: string, count: number, mine: boolean | undefined): ReactionCount[] {
  if (count <= 0) return reactions.filter((r) => r.emoji !== emoji);
  const shown = reactions.find((r) => r.emoji === emoji);
  const me = mine ?? shown?.me ?? false;
  return shown ? reactions.map((r) => (r.emoji === emoji ? { emoji, count, me } : r)) : [...reactions, { emoji, count, me }];
}

/** Live and synced copies leave out `me` (only REST answers have it): keep what the list knew. */
function withMyReactions(incoming: ChatMessage, shown: ShownMessage): ChatMessage {
  if (incoming.reactions.every((r) => r.me !== undefined)) return incoming;
  const mine = new Set(shown.reactions.filter((r) => r.me).map((r) => r.emoji));
  return { ...incoming, reactions: incoming.reactions.map((r) => (r.me === undefined ? { ...r, me: mine.has(r.emoji) } : r)) };
}

/** How a reply to `message` quotes it, until the server says how it reads now. */
export function quoteOf(message: ChatMessage): ReplyRef {
  return {
    id: message.id,
    seq: message.seq,
    senderId: message.sender?.id ?? null,
    excerpt: message.content.slice(0, REPLY_EXCERPT_LENGTH),
  };
}

export type TimelineItem =
  { kind: 'message'; message: ShownMessage } | { kind: 'notice'; notice: NoticeLine } | { kind: 'pending'; pending: PendingMessage };

/**
 * What the list shows, in order. A notice that repeats a stored system message (join, leave,
 * kick and ban come as both) is left out.
 */
export function timelineItems(timeline: Timeline): TimelineItem[] {
  const systemTexts = timeline.messages.filter((m) => m.type === 'system').map((m) => m.content);
  const notices = timeline.notices.filter((n) => !systemTexts.some((text) => text.startsWith(n.text)));
  const items: TimelineItem[] = [];
  let next = 0;
  for (const message of timeline.messages) {
    while (next < notices.length && notices[next].afterSeq < message.seq) items.push({ kind: 'notice', notice: notices[next++] });
    items.push({ kind: 'message', message });
  }
  for (; next < notices.length; next++) items.push({ kind: 'notice', notice: notices[next] });
  for (const pending of timeline.pending) items.push({ kind: 'pending', pending });
  return items;
}
