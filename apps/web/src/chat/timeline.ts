import type { ChatMessage, HistoryPage, StoredAttachment } from '@chat/contracts';

/** A message of mine the server has not acknowledged yet (or refused: `error`). */
export interface PendingMessage {
  clientMsgId: string;
  content: string;
  attachments: StoredAttachment[];
  error: string | null;
}

/** A `notice` line: not stored, so it has no seq; it sits after the last message seen when it came. */
export interface NoticeLine {
  key: number;
  text: string;
  afterSeq: number;
}

export interface Timeline {
  /** Ascending seq, one per id, with no gap between the two cursors. */
  messages: ChatMessage[];
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
  | { type: 'sending'; clientMsgId: string; content: string; attachments: StoredAttachment[] }
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
      return { ...state, messages: state.messages.filter((m) => m.id !== action.id) };
    case 'sending': {
      // A retry reuses its clientMsgId (that is what makes it idempotent), so it replaces the failed entry.
      const others = state.pending.filter((p) => p.clientMsgId !== action.clientMsgId);
      const entry = { clientMsgId: action.clientMsgId, content: action.content, attachments: action.attachments, error: null };
      return { ...state, pending: [...others, entry] };
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
  for (const m of incoming) byId.set(m.id, m);
  const delivered = new Set(incoming.flatMap((m) => (m.clientMsgId ? [m.clientMsgId] : [])));
  return {
    ...state,
    messages: [...byId.values()].sort((a, b) => a.seq - b.seq),
    pending: state.pending.filter((p) => !delivered.has(p.clientMsgId)),
    highestSeq: Math.max(state.highestSeq, ...incoming.map((m) => m.seq)),
  };
}

export type TimelineItem =
  { kind: 'message'; message: ChatMessage } | { kind: 'notice'; notice: NoticeLine } | { kind: 'pending'; pending: PendingMessage };

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
