import type { RoomEntity } from '@chat/database';

export interface RoomView {
  id: number;
  name: string | null;
  isPrivate: boolean;
  ownerId: number | null;
  createdAt: string;
  lastMessage: string | null;
  lastMessageAt: string | null;
  lastSeq: number;
}

export interface MyRoomView extends RoomView {
  role: string;
  unreadCount: number;
}

export function toRoomView(room: RoomEntity): RoomView {
  return {
    id: room.id,
    name: room.name,
    isPrivate: room.isPrivate,
    ownerId: room.ownerId,
    createdAt: room.createdAt.toISOString(),
    lastMessage: room.lastMessage,
    lastMessageAt: room.lastMessageAt?.toISOString() ?? null,
    lastSeq: room.lastSeq,
  };
}
