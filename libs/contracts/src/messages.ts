import type { Attachment, StoredAttachment } from './attachments';

export type MessageType = 'chat' | 'system';
export type RoomRole = 'owner' | 'admin' | 'member' | 'guest';
export type SiteRole = 'admin' | 'user' | 'guest';

export interface MessageSender {
  id: number;
  nickname: string;
  role: SiteRole;
}

/** A message as clients see it, live (`message` event) and in history; `A` is how its attachments are shown. */
export interface ChatMessage<A extends StoredAttachment = Attachment> {
  /** Globally unique, sortable by time (ULID). */
  id: string;
  /** Strictly increasing per room. */
  seq: number;
  roomId: number;
  content: string;
  type: MessageType;
  sender: MessageSender | null;
  createdAt: string;
  clientMsgId?: string;
  /** Always present; empty for most messages. */
  attachments: A[];
  /** When the author last edited it; null if never. */
  editedAt: string | null;
  /** The message this one answers, or null. */
  replyTo: ReplyRef | null;
  /** Ids of the members it mentions (members when it was sent), possibly empty. */
  mentions: number[];
  /** Per emoji, most used first; `me` (REST only) says whether the caller is among them. */
  reactions: ReactionCount[];
}

/** A quoted message as a reply shows it. */
export interface ReplyRef {
  id: string;
  seq: number;
  senderId: number | null;
  /** The first 100 characters of the quoted message as it reads now; null once it is deleted. */
  excerpt: string | null;
}

export interface ReactionCount {
  emoji: string;
  count: number;
  /** Whether the caller reacted with it; present in REST answers, omitted in live events. */
  me?: boolean;
}

/** Characters of the quoted message a reply carries. */
export const REPLY_EXCERPT_LENGTH = 100;
/** Mentions one message may carry. */
export const MAX_MENTIONS_PER_MESSAGE = 50;
/** Distinct emoji one message may collect. */
export const MAX_REACTION_EMOJI_PER_MESSAGE = 20;

/** A message as it is stored and cached: its attachments without their links, which are signed when it is served. */
export type StoredMessage = ChatMessage<StoredAttachment>;

/** A page of a room's history; `nextCursor` is the seq the next page continues from, null on the last page. */
export interface HistoryPage {
  messages: ChatMessage[];
  nextCursor: number | null;
}

/** A page of `GET /search/messages`: newest first; `nextCursor` is opaque (pass it as `cursor`), null on the last page. */
export interface SearchPage {
  messages: ChatMessage[];
  nextCursor: string | null;
}

export interface PublicUser {
  id: number;
  email: string | null;
  nickname: string;
  role: SiteRole;
  /** Masked client IP, shown for guests only. */
  maskedIp?: string;
  createdAt: string;
}

/** A user as they themself and site admins see them. */
export interface UserView extends PublicUser {
  banned: boolean;
  banReason: string | null;
}
