import type { ChatMessage, HistoryPage } from '@chat/contracts';

/** A message of mine the server has not acknowledged yet (or refused: `error`). */
export interface PendingMessage {
  clientMsgId: string;
  content: string;
  error: string | null;
}

/** A `notice` line: not stored, so it has no seq; it sits after the last message seen when it came. */
export interface NoticeLine {
  key: number;
  text: string;
  afterSeq: number;
}

export interface Timeline {
  /** Ascending seq, one per id. */
  messages: ChatMessage[];
  pending: PendingMessage[];
  notices: NoticeLine[];
  highestSeq: number;
  /** `before=` for the next older page; null once the start is reached. */
  olderCursor: number | null;
  loaded: boolean;
}

export const emptyTimeline: Timeline = { messages: [], pending: [], notices: [], highestSeq: 0, olderCursor: null, loaded: false };

export type TimelineAction =
  | { type: 'history'; page: HistoryPage }
  | { type: 'received'; messages: ChatMessage[] }
  | { type: 'deleted'; id: string }
  | { type: 'sending'; clientMsgId: string; content: string }
  | { type: 'failed'; clientMsgId: string; error: string }
  | { type: 'notice'; text: string };

let noticeKey = 0;

export function timelineReducer(state: Timeline, action: TimelineAction): Timeline {
  switch (action.type) {
    case 'history':
      return { ...receive(state, action.page.messages), olderCursor: action.page.nextCursor, loaded: true };
    case 'received':
      return receive(state, action.messages);
    case 'deleted':
      return { ...state, messages: state.messages.filter((m) => m.id !== action.id) };
    case 'sending': {
      // A retry reuses its clientMsgId (that is what makes it idempotent), so it replaces the failed entry.
      const others = state.pending.filter((p) => p.clientMsgId !== action.clientMsgId);
      return { ...state, pending: [...others, { clientMsgId: action.clientMsgId, content: action.content, error: null }] };
    }
    case 'failed':
      return { ...state, pending: state.pending.map((p) => (p.clientMsgId === action.clientMsgId ? { ...p, error: action.error } : p)) };
    case 'notice':
      return { ...state, notices: [...state.notices.slice(-49), { key: noticeKey++, text: action.text, afterSeq: state.highestSeq }] };
  }
}

/** Merges by id (live, synced and fetched messages overlap), and settles my pending sends by clientMsgId. */
function receive(state: Timeline, incoming: ChatMessage[]): Timeline {
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
