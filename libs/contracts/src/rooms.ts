import type { RoomRole } from './messages';

export interface RoomView {
  id: number;
  /** The room's name, or one made from its members' nicknames when it has none. */
  name: string;
  /** True when `name` was made from the members' nicknames. */
  isNameGenerated: boolean;
  isPrivate: boolean;
  ownerId: number | null;
  createdAt: string;
  lastMessage: string | null;
  lastMessageAt: string | null;
  lastSeq: number;
}

export interface RoomDetails extends RoomView {
  memberCount: number;
  /** The caller's role, null when not a member. */
  myRole: RoomRole | null;
}

export interface MyRoomView extends RoomView {
  role: RoomRole;
  unreadCount: number;
  /** Messages mentioning me after my read marker. */
  mentionCount: number;
  lastReadSeq: number;
  selfMuted: boolean;
}

export interface DirectoryRoom extends RoomView {
  memberCount: number;
}

export interface MembershipView {
  roomId: number;
  userId: number;
  role: RoomRole;
  muted: boolean;
  mutedUntil: string | null;
  selfMuted: boolean;
  joinedAt: string;
}

export interface MemberView {
  userId: number;
  nickname: string;
  role: RoomRole;
  muted: boolean;
  mutedUntil: string | null;
  online: boolean;
}

/** `GET /rooms/:id/receipts`: how far each member has read. */
export interface ReceiptView {
  userId: number;
  lastReadSeq: number;
}

/** Someone the caller shares a room with (`GET /users/contacts`), to start a direct conversation. */
export interface ContactView {
  id: number;
  nickname: string;
  role: 'user' | 'guest' | 'admin';
}

export interface RoomBanView {
  userId: number;
  nickname: string;
  reason: string | null;
  bannedBy: number | null;
  createdAt: string;
}

export interface InviteResult {
  added: number[];
  alreadyMembers: number[];
  /** Banned from the room, so not added (a ban holds until a moderator lifts it); present only when some were. */
  banned?: number[];
}

/** A page of a cursor-paginated list. */
export interface Page<T, C = number> {
  items: T[];
  nextCursor: C | null;
}
