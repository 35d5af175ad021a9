import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ChatMessage, ExceptionEvent, KickedEvent, RoomRemovedEvent } from '@chat/contracts';
import { ChatRoom, type JumpTo } from '../chat/ChatRoom';
import { unreadTotal } from '../rooms/roomList';
import { RoomsContext, type RoomsValue } from '../rooms/RoomsContext';
import { RoomsScreen } from '../rooms/RoomsScreen';
import { useLiveRooms } from '../rooms/useLiveRooms';
import { Header } from './Header';
import { useSession } from './SessionContext';
import { useDesktopNotifications } from './useDesktopNotifications';
import { useTabTitle } from './useTabTitle';
import { useView } from './useView';

/** The signed-in app: the header, the room list or a room, and what follows me across both. */
export function Workspace({ onLogout }: { onLogout: () => void }) {
  const { socket, notify } = useSession();
  const [view, go] = useView();
  const [flash, setFlash] = useState<string | null>(null);
  const [jump, setJump] = useState<JumpTo | null>(null);
  const openRoomId = view.screen === 'room' ? view.roomId : null;
  const { rooms, error, dispatch } = useLiveRooms(openRoomId);

  const closeRoom = useCallback(
    (notice?: string) => {
      setFlash(notice ?? null);
      go({ screen: 'rooms' });
    },
    [go],
  );
  const openRoom = useCallback(
    (roomId: number) => {
      setFlash(null);
      go({ screen: 'room', roomId });
    },
    [go],
  );
  // A search result from any room: open its room at that message.
  const openMessage = useCallback(
    (message: ChatMessage) => {
      setJump({ roomId: message.roomId, seq: message.seq, key: Date.now() });
      openRoom(message.roomId);
    },
    [openRoom],
  );
  const jumped = useCallback(() => setJump(null), []);

  useTabTitle(unreadTotal(rooms));
  useDesktopNotifications({ rooms, openRoomId, onOpen: openRoom });

  // The room being shown, read by socket listeners registered once per socket.
  const shown = useRef(openRoomId);
  useEffect(() => {
    shown.current = openRoomId;
  });
  useEffect(() => {
    const backToList = (roomId: number, text: string) => {
      if (shown.current !== roomId) return notify(text, 'info');
      closeRoom(text);
    };
    const onKicked = (e: KickedEvent) => backToList(e.roomId, `You were removed from the room${e.reason ? `: ${e.reason}` : '.'}`);
    const onRoomDeleted = (e: { roomId: number }) => backToList(e.roomId, 'The room was deleted by its owner.');
    // Kicks, bans and deletions are told by the events above; a leave on another tab only takes the room away.
    const onRemoved = (e: RoomRemovedEvent) => e.reason === 'left' && shown.current === e.roomId && closeRoom();
    const onException = (e: ExceptionEvent) => notify(e.message);
    socket.on('kicked', onKicked).on('room_deleted', onRoomDeleted).on('room_removed', onRemoved).on('exception', onException);
    return () => {
      socket.off('kicked', onKicked).off('room_deleted', onRoomDeleted).off('room_removed', onRemoved).off('exception', onException);
    };
  }, [socket, notify, closeRoom]);

  const value = useMemo<RoomsValue>(
    () => ({ rooms, error, openRoomId, dispatch, openRoom, closeRoom }),
    [rooms, error, openRoomId, dispatch, openRoom, closeRoom],
  );

  return (
    <RoomsContext.Provider value={value}>
      <Header onLogout={onLogout} onOpenMessage={openMessage} />
      {view.screen === 'room' ? (
        <ChatRoom
          key={view.roomId}
          roomId={view.roomId}
          jumpTo={jump?.roomId === view.roomId ? jump : null}
          onJumped={jumped}
          onBack={closeRoom}
        />
      ) : (
        <RoomsScreen flash={flash} onDismissFlash={() => setFlash(null)} />
      )}
    </RoomsContext.Provider>
  );
}
