import type { ErrorCode } from './errors';
import type { ChatMessage, MessageSender, PublicUser, RoomRole } from './messages';
import type { MyRoomView, RoomView } from './rooms';

/** Every client event is acknowledged with one of these. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };
export type AckCallback<T> = (ack: Ack<T>) => void;

/** An empty acknowledgement payload. */
export type Empty = Record<string, never>;

export type RoomRef = number | { room: number };

export interface SendMessagePayload {
  room: number;
  msg?: string;
  /** Accepted as an alias of `msg`. */
  content?: string;
  clientMsgId?: string;
  /** Uploads (POST /rooms/:id/attachments) to send with the message, at most 10; `msg` may then be empty. */
  attachmentIds?: string[];
  /** The id of a message of the same room this one answers. */
  replyTo?: string;
  /** Members mentioned (at most 50); ids of non-members are dropped. */
  mentions?: number[];
}

export interface EditMessagePayload {
  id: string;
  msg?: string;
  /** Accepted as an alias of `msg`. */
  content?: string;
}

export interface ReactPayload {
  id: string;
  /** One emoji grapheme. */
  emoji: string;
  /** true adds the caller's reaction, false removes it; both are idempotent. */
  on: boolean;
}

export interface MessageAccepted {
  id: string;
  seq: number;
  createdAt: string;
}

export interface TypingPayload {
  room: number;
  typing: boolean;
}

export interface ReadPayload {
  room: number;
  seq: number;
}

export interface SyncPayload {
  room: number;
  afterSeq: number;
  limit?: number;
}

export interface ModeratePayload {
  room: number;
  userId: number;
  reason?: string;
}

export interface MutePayload {
  room: number;
  userId: number;
  muted: boolean;
  /** Omitted: until lifted. */
  minutes?: number;
}

/** Client → server events, with their payloads and ack data. */
export interface ClientToServerEvents {
  join_room: (payload: RoomRef, ack: AckCallback<{ room: number; lastSeq: number }>) => void;
  leave_room: (payload: RoomRef, ack: AckCallback<{ room: number }>) => void;
  message: (payload: SendMessagePayload, ack: AckCallback<MessageAccepted>) => void;
  typing: (payload: TypingPayload, ack: AckCallback<Empty>) => void;
  read: (payload: ReadPayload, ack: AckCallback<Empty>) => void;
  sync: (payload: SyncPayload, ack: AckCallback<{ messages: ChatMessage[] }>) => void;
  delete_message: (payload: { id: string }, ack: AckCallback<Empty>) => void;
  edit_message: (payload: EditMessagePayload, ack: AckCallback<ChatMessage>) => void;
  react: (payload: ReactPayload, ack: AckCallback<Empty>) => void;
  kick_user: (payload: ModeratePayload, ack: AckCallback<Empty>) => void;
  ban_user: (payload: ModeratePayload, ack: AckCallback<Empty>) => void;
  mute_user: (payload: MutePayload, ack: AckCallback<Empty>) => void;
  delete_room: (payload: { room: number }, ack: AckCallback<Empty>) => void;
}

export interface ReadyEvent {
  user: PublicUser;
  replica: string;
}

export type NoticeKind = 'join' | 'leave' | 'kick' | 'ban' | 'mute' | 'unmute';

export interface NoticeEvent {
  roomId: number;
  kind: NoticeKind;
  userId: number;
  text: string;
}

export interface MessageDeletedEvent {
  id: string;
  roomId: number;
  seq: number;
}

export interface TypingEvent {
  roomId: number;
  userId: number;
  nickname: string;
  typing: boolean;
}

export interface PresenceEvent {
  roomId: number;
  userId: number;
  online: boolean;
}

export interface KickedEvent {
  roomId: number;
  reason?: string;
}

export interface MessageUpdatedEvent {
  id: string;
  roomId: number;
  seq: number;
  content: string;
  editedAt: string;
}

export interface ReactionEvent {
  roomId: number;
  messageId: string;
  emoji: string;
  userId: number;
  on: boolean;
  /** How many members have this reaction on the message now. */
  count: number;
}

export interface MentionEvent {
  roomId: number;
  messageId: string;
  seq: number;
  from: MessageSender;
}

export interface RoomUpdatedEvent {
  room: RoomView;
}

/** The user's own room, as `GET /rooms/mine` lists it. */
export interface RoomAddedEvent {
  room: MyRoomView;
}

export type RoomRemovedReason = 'left' | 'kicked' | 'banned' | 'deleted';

export interface RoomRemovedEvent {
  roomId: number;
  reason: RoomRemovedReason;
}

export interface MemberUpdatedEvent {
  roomId: number;
  userId: number;
  role: RoomRole;
  muted: boolean;
  mutedUntil: string | null;
}

export interface ReceiptEvent {
  roomId: number;
  userId: number;
  seq: number;
}

export interface ReadMarkerEvent {
  roomId: number;
  seq: number;
}

export interface ExceptionEvent {
  event: string;
  code: ErrorCode;
  message: string;
}

/** Server → client events and their payloads. */
export interface ServerToClientEvents {
  ready: (payload: ReadyEvent) => void;
  message: (payload: ChatMessage) => void;
  message_deleted: (payload: MessageDeletedEvent) => void;
  notice: (payload: NoticeEvent) => void;
  typing: (payload: TypingEvent) => void;
  presence: (payload: PresenceEvent) => void;
  kicked: (payload: KickedEvent) => void;
  room_deleted: (payload: { roomId: number }) => void;
  message_updated: (payload: MessageUpdatedEvent) => void;
  reaction: (payload: ReactionEvent) => void;
  mention: (payload: MentionEvent) => void;
  room_updated: (payload: RoomUpdatedEvent) => void;
  room_added: (payload: RoomAddedEvent) => void;
  room_removed: (payload: RoomRemovedEvent) => void;
  member_updated: (payload: MemberUpdatedEvent) => void;
  receipt: (payload: ReceiptEvent) => void;
  read_marker: (payload: ReadMarkerEvent) => void;
  exception: (payload: ExceptionEvent) => void;
}

export type ClientEventName = keyof ClientToServerEvents;
export type ServerEventName = keyof ServerToClientEvents;

/** The payload a client event carries. */
export type PayloadOf<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[0];
/** The data a client event's successful ack carries (`Ack<AckOf<E>>` is the whole ack). */
export type AckOf<E extends ClientEventName> = Parameters<ClientToServerEvents[E]>[1] extends AckCallback<infer T> ? T : never;

/** A record keyed by every client event, so adding an event without listing it fails to compile. */
const clientEvents: Record<ClientEventName, true> = {
  join_room: true,
  leave_room: true,
  message: true,
  typing: true,
  read: true,
  sync: true,
  delete_message: true,
  edit_message: true,
  react: true,
  kick_user: true,
  ban_user: true,
  mute_user: true,
  delete_room: true,
};

/** Every client event name, at runtime (the server answers any other name with an error). */
export const CLIENT_EVENTS = Object.keys(clientEvents) as ClientEventName[];

/** A record keyed by every server event, so adding an event without listing it fails to compile. */
const serverEvents: Record<ServerEventName, true> = {
  ready: true,
  message: true,
  message_deleted: true,
  notice: true,
  typing: true,
  presence: true,
  kicked: true,
  room_deleted: true,
  message_updated: true,
  reaction: true,
  mention: true,
  room_updated: true,
  room_added: true,
  room_removed: true,
  member_updated: true,
  receipt: true,
  read_marker: true,
  exception: true,
};

/** Every server event name, at runtime (docs/asyncapi.yaml is checked against it). */
export const SERVER_EVENTS = Object.keys(serverEvents) as ServerEventName[];
