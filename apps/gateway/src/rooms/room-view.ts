import type { MembershipView, RoomView } from '@chat/contracts';
import type { RoomEntity, RoomMemberEntity } from '@chat/database';
import { generatedRoomName } from './room-name';

export function toRoomView(room: RoomEntity, members: { userId: number; nickname: string }[] = [], viewerId?: number): RoomView {
  return {
    id: room.id,
    name: room.name ?? generatedRoomName(members, viewerId),
    isNameGenerated: room.name === null,
    isPrivate: room.isPrivate,
    ownerId: room.ownerId,
    createdAt: room.createdAt.toISOString(),
    lastMessage: room.lastMessage,
    lastMessageAt: room.lastMessageAt?.toISOString() ?? null,
    lastSeq: room.lastSeq,
  };
}

export function toMembershipView(member: RoomMemberEntity): MembershipView {
  return {
    roomId: member.roomId,
    userId: member.userId,
    role: member.role,
    muted: isMuted(member.mutedUntil),
    mutedUntil: isMuted(member.mutedUntil) ? (member.mutedUntil?.toISOString() ?? null) : null,
    selfMuted: member.selfMuted,
    joinedAt: member.joinedAt.toISOString(),
  };
}

export function isMuted(mutedUntil: Date | null): boolean {
  return mutedUntil !== null && mutedUntil.getTime() > Date.now();
}
