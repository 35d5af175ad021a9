import { Injectable, Logger } from '@nestjs/common';
import { ErrorCode, type PublicUser } from '@chat/contracts';
import type { RoomMemberEntity } from '@chat/database';
import { AppError } from '../common/app-error';
import { MessagesService } from '../messages/messages.service';
import type { CreateRoomDto } from './dto/room.dto';
import { type MyRoomView, toRoomView, type RoomView } from './room-view';
import { RoomsRepository } from './rooms.repository';

@Injectable()
export class RoomsService {
  private readonly logger = new Logger(RoomsService.name);

  constructor(
    private readonly rooms: RoomsRepository,
    private readonly messages: MessagesService,
  ) {}

  async create(owner: PublicUser, dto: CreateRoomDto): Promise<RoomView> {
    const invited = [...new Set(dto.invitedUserIds ?? [])].filter((id) => id !== owner.id);
    const existing = await this.rooms.existingUserIds(invited);
    const missing = invited.filter((id) => !existing.includes(id));
    if (missing.length > 0) throw new AppError(ErrorCode.NotFound, `No such users: ${missing.join(', ')}`);
    const room = await this.rooms.createRoom({ name: dto.name, isPrivate: dto.isPrivate ?? false, ownerId: owner.id }, [
      { userId: owner.id, role: 'owner' },
      ...invited.map((userId) => ({ userId, role: 'member' as const })),
    ]);
    return toRoomView(room);
  }

  /** Joins a public room. Joining twice is harmless: the existing membership is returned. */
  async join(user: PublicUser, roomId: number): Promise<RoomMemberEntity> {
    const membership = await this.rooms.findMembership(roomId, user.id);
    if (!membership) throw new AppError(ErrorCode.NotFound, `Room ${roomId} does not exist`);
    if (membership.banned) throw new AppError(ErrorCode.Banned, 'You are banned from this room');
    if (membership.member) return membership.member;
    if (membership.room.isPrivate) throw new AppError(ErrorCode.Forbidden, 'This room is private: ask a member for an invite');
    const role = user.role === 'guest' ? 'guest' : 'member';
    const member = await this.rooms.addMember(roomId, user.id, role, 0);
    await this.messages.postSystem(membership.room, `${user.nickname} joined`).catch((error: unknown) => {
      this.logger.warn(`join notice for room ${roomId} not posted: ${(error as Error).message}`);
    });
    return member;
  }

  async mine(userId: number): Promise<MyRoomView[]> {
    const rooms = await this.rooms.roomsOf(userId);
    return rooms.map((room) => ({ ...toRoomView(room), role: room.role, unreadCount: room.unreadCount }));
  }
}
