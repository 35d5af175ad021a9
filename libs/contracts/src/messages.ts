export type MessageType = 'chat' | 'system';
export type RoomRole = 'owner' | 'admin' | 'member' | 'guest';
export type SiteRole = 'admin' | 'user' | 'guest';

export interface MessageSender {
  id: number;
  nickname: string;
  role: SiteRole;
}

/** A message as clients see it, live (`message` event) and in history. */
export interface ChatMessage {
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
}

/** A page of a room's history; `nextCursor` is the seq the next page continues from, null on the last page. */
export interface HistoryPage {
  messages: ChatMessage[];
  nextCursor: number | null;
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
