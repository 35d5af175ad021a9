import { type ChatMessage, messagePreview, type MyRoomView, type RoomRole, type RoomView } from '@chat/contracts';

/** My rooms as the list shows them; null until the first read. */
export type RoomList = MyRoomView[] | null;

export type RoomListAction =
  | { type: 'loaded'; rooms: MyRoomView[] }
  /** `counts`: from someone else, in a room that is not on screen. */
  | { type: 'message'; message: ChatMessage; counts: boolean }
  | { type: 'mentioned'; roomId: number }
  /** My read marker moved (here, or on another tab) up to `seq`. */
  | { type: 'read'; roomId: number; seq: number }
  | { type: 'added'; room: MyRoomView }
  | { type: 'removed'; roomId: number }
  | { type: 'updated'; room: RoomView; myId: number }
  | { type: 'role'; roomId: number; role: RoomRole }
  | { type: 'selfMuted'; roomId: number; selfMuted: boolean };

const activity = (room: RoomView) => Date.parse(room.lastMessageAt ?? room.createdAt);
const newestFirst = (rooms: MyRoomView[]) => [...rooms].sort((a, b) => activity(b) - activity(a));

export function roomListReducer(state: RoomList, action: RoomListAction): RoomList {
  if (action.type === 'loaded') return newestFirst(action.rooms);
  if (state === null) return state;
  switch (action.type) {
    case 'message': {
      const { message, counts } = action;
      return newestFirst(
        change(state, message.roomId, (room) =>
          message.seq <= room.lastSeq
            ? room
            : {
                ...room,
                lastSeq: message.seq,
                lastMessage: messagePreview(message.content, message.attachments),
                lastMessageAt: message.createdAt,
                // System messages (joins, invitations) are not unread, as the server counts them.
                unreadCount: room.unreadCount + (counts && message.type === 'chat' ? 1 : 0),
              },
        ),
      );
    }
    case 'mentioned':
      return change(state, action.roomId, (room) => ({ ...room, mentionCount: room.mentionCount + 1 }));
    case 'read':
      return change(state, action.roomId, (room) =>
        action.seq < room.lastReadSeq
          ? room
          : {
              ...room,
              lastReadSeq: action.seq,
              // Read to the end: nothing left. Short of it, only the server can count what is (readUpTo tells).
              ...(action.seq >= room.lastSeq ? { unreadCount: 0, mentionCount: 0 } : {}),
            },
      );
    case 'added':
      return newestFirst([...state.filter((r) => r.id !== action.room.id), action.room]);
    case 'removed':
      return state.filter((r) => r.id !== action.roomId);
    case 'updated': {
      const { name, isNameGenerated, isPrivate, ownerId } = action.room;
      return change(state, action.room.id, (room) => ({
        ...room,
        name,
        isNameGenerated,
        isPrivate,
        ownerId,
        // A handover: the new owner is told here; the old one gets its new role as member_updated.
        ...(ownerId === action.myId ? { role: 'owner' as const } : {}),
      }));
    }
    case 'role':
      return change(state, action.roomId, (room) => ({ ...room, role: action.role }));
    case 'selfMuted':
      return change(state, action.roomId, (room) => ({ ...room, selfMuted: action.selfMuted }));
  }
}

function change(rooms: MyRoomView[], roomId: number, update: (room: MyRoomView) => MyRoomView): MyRoomView[] {
  return rooms.map((room) => (room.id === roomId ? update(room) : room));
}

/** Whether a read up to `seq` leaves unread messages the list cannot count itself. */
export function readLeavesUnread(rooms: RoomList, roomId: number, seq: number): boolean {
  const room = rooms?.find((r) => r.id === roomId);
  return room !== undefined && seq < room.lastSeq && room.unreadCount > 0;
}

/** The tab title's count: unread messages in rooms I have not muted. */
export function unreadTotal(rooms: RoomList): number {
  return (rooms ?? []).reduce((sum, room) => sum + (room.selfMuted ? 0 : room.unreadCount), 0);
}
