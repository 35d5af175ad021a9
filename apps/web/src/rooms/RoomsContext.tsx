import { createContext, type Dispatch, useContext } from 'react';
import type { MyRoomView } from '@chat/contracts';
import type { RoomList, RoomListAction } from './roomList';

/** My live room list, shared by the list, the room view's panels, notifications and the tab title. */
export interface RoomsValue {
  rooms: RoomList;
  error: string | null;
  /** The room on screen; null on the list. */
  openRoomId: number | null;
  dispatch: Dispatch<RoomListAction>;
  openRoom: (roomId: number) => void;
  /** Back to the list, with a notice to show there. */
  closeRoom: (notice?: string) => void;
}

export const RoomsContext = createContext<RoomsValue | null>(null);

export function useRooms(): RoomsValue {
  const value = useContext(RoomsContext);
  if (!value) throw new Error('useRooms outside a signed-in screen');
  return value;
}

/** The room on screen as my list has it (role, self-mute), once the list is read. */
export function useOpenRoom(): MyRoomView | undefined {
  const { rooms, openRoomId } = useRooms();
  return rooms?.find((r) => r.id === openRoomId);
}
