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
}

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
