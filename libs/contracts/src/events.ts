import type { ErrorCode } from './errors';
import type { ChatMessage, PublicUser } from './messages';

/** Every client event is acknowledged with one of these. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string } };
export type AckCallback<T> = (ack: Ack<T>) => void;

export type RoomRef = number | { room: number };

export interface SendMessagePayload {
  room: number;
  msg?: string;
  /** Accepted as an alias of `msg`. */
  content?: string;
  clientMsgId?: string;
}

export interface MessageAccepted {
  id: string;
  seq: number;
  createdAt: string;
}

/** Client → server events, with their payloads and ack data. */
export interface ClientToServerEvents {
  join_room: (payload: RoomRef, ack: AckCallback<{ room: number; lastSeq: number }>) => void;
  leave_room: (payload: RoomRef, ack: AckCallback<{ room: number }>) => void;
  message: (payload: SendMessagePayload, ack: AckCallback<MessageAccepted>) => void;
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

export interface ExceptionEvent {
  event: string;
  code: ErrorCode;
  message: string;
}

/** Server → client events and their payloads. */
export interface ServerToClientEvents {
  ready: (payload: ReadyEvent) => void;
  message: (payload: ChatMessage) => void;
  notice: (payload: NoticeEvent) => void;
  exception: (payload: ExceptionEvent) => void;
}

export type ClientEventName = keyof ClientToServerEvents;
export type ServerEventName = keyof ServerToClientEvents;
