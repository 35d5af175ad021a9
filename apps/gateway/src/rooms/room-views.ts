import { Injectable } from '@nestjs/common';
import type { MyRoomView, RoomView } from '@chat/contracts';
import type { RoomEntity } from '@chat/database';
import { type MyRoomRow, RoomsRepository } from '../repositories/rooms.repository';
import { NAMES_SHOWN } from './room-name';
import { toRoomView } from './room-view';

/** Rooms as their viewers see them: a room without a name is named after its other members. */
@Injectable()
export class RoomViews {
  constructor(private readonly rooms: RoomsRepository) {}

  /** Generated names in one extra query for the whole list. */
  async of(rooms: RoomEntity[], viewerId?: number): Promise<RoomView[]> {
    const unnamed = rooms.filter((r) => r.name === null).map((r) => r.id);
    const names = await this.rooms.memberNames(unnamed, NAMES_SHOWN + 2);
    return rooms.map((room) => toRoomView(room, names.get(room.id), viewerId));
  }

  /** One room as each viewer sees it (an unnamed room's name leaves the viewer out), with one query for the names. */
  async asSeenBy(room: RoomEntity, viewerIds: number[]): Promise<Map<number, RoomView>> {
    const names = room.name === null ? (await this.rooms.memberNames([room.id], NAMES_SHOWN + 2)).get(room.id) : undefined;
    return new Map(viewerIds.map((viewer) => [viewer, toRoomView(room, names, viewer)]));
  }

  /** `GET /rooms/mine` items. */
  async mine(rows: MyRoomRow[], viewerId: number): Promise<MyRoomView[]> {
    const views = await this.of(rows, viewerId);
    return views.map((view, i) => {
      const { role, unreadCount, mentionCount, lastReadSeq, selfMuted } = rows[i];
      return { ...view, role, unreadCount, mentionCount, lastReadSeq, selfMuted };
    });
  }

  /** One room of the user's as `GET /rooms/mine` would list it, or undefined if they are not (or no longer) a member. */
  async myRoom(userId: number, roomId: number): Promise<MyRoomView | undefined> {
    return (await this.mine(await this.rooms.roomsOf(userId, { limit: 1, roomId }), userId))[0];
  }
}
