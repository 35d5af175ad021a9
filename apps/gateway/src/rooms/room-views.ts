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
    const names = await this.namesOf(room);
    return new Map(viewerIds.map((viewer) => [viewer, toRoomView(room, names, viewer)]));
  }

  /** `GET /rooms/mine` items. */
  async mine(rows: MyRoomRow[], viewerId: number): Promise<MyRoomView[]> {
    const views = await this.of(rows, viewerId);
    return views.map((view, i) => listed(view, rows[i]));
  }

  /** One room as each of these users lists it in `GET /rooms/mine`, in two queries whatever their number; non-members are left out. */
  async listedBy(roomId: number, userIds: number[]): Promise<Map<number, MyRoomView>> {
    const rows = await this.rooms.roomAsListedBy(roomId, userIds);
    if (rows.length === 0) return new Map();
    const names = await this.namesOf(rows[0]);
    return new Map(rows.map((row) => [row.userId, listed(toRoomView(row, names, row.userId), row)]));
  }

  private async namesOf(room: RoomEntity): Promise<{ userId: number; nickname: string }[] | undefined> {
    return room.name === null ? (await this.rooms.memberNames([room.id], NAMES_SHOWN + 2)).get(room.id) : undefined;
  }
}

function listed(view: RoomView, { role, unreadCount, mentionCount, lastReadSeq, selfMuted }: MyRoomRow): MyRoomView {
  return { ...view, role, unreadCount, mentionCount, lastReadSeq, selfMuted };
}
