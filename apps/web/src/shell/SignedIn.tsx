import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { ChatMessage, ExceptionEvent, KickedEvent, Session } from '@chat/contracts';
import { ChatRoom, type JumpTo } from '../chat/ChatRoom';
import { createApi } from '../lib/api';
import { RoomsScreen } from '../rooms/RoomsScreen';
import { Toasts, useToasts } from '../ui/Toasts';
import { Header } from './Header';
import { SessionContext, type SessionValue } from './SessionContext';
import { useChatSocket } from './useChatSocket';
import { useView } from './useView';

const SESSION_ENDED = 'Your session has ended. Please sign in again.';

export function SignedIn({ session, onSignOut }: { session: Session; onSignOut: (notice?: string) => void }) {
  const { toasts, notify, dismiss } = useToasts();
  const [view, go] = useView();
  const [flash, setFlash] = useState<string | null>(null);
  const [jump, setJump] = useState<JumpTo | null>(null);
  const api = useMemo(() => createApi(session.access_token, () => onSignOut(SESSION_ENDED)), [session.access_token, onSignOut]);
  const { socket, connection } = useChatSocket(
    session.access_token,
    () => onSignOut(SESSION_ENDED),
    () =>
      api.me().then(
        () => true,
        () => false,
      ),
  );

  // The room being shown, read by socket listeners registered once per socket.
  const openRoom = useRef<number | null>(null);
  useEffect(() => {
    openRoom.current = view.screen === 'room' ? view.roomId : null;
  }, [view]);

  useEffect(() => {
    if (!socket) return;
    const backToList = (roomId: number, text: string) => {
      if (openRoom.current !== roomId) return notify(text, 'info');
      setFlash(text);
      go({ screen: 'rooms' });
    };
    const onKicked = (e: KickedEvent) => backToList(e.roomId, `You were removed from the room${e.reason ? `: ${e.reason}` : '.'}`);
    const onRoomDeleted = (e: { roomId: number }) => backToList(e.roomId, 'The room was deleted by its owner.');
    const onException = (e: ExceptionEvent) => notify(e.message);
    socket.on('kicked', onKicked).on('room_deleted', onRoomDeleted).on('exception', onException);
    return () => {
      socket.off('kicked', onKicked).off('room_deleted', onRoomDeleted).off('exception', onException);
    };
  }, [socket, notify, go]);

  const backToRooms = useCallback(
    (notice?: string) => {
      setFlash(notice ?? null);
      go({ screen: 'rooms' });
    },
    [go],
  );
  const openRoomScreen = useCallback(
    (roomId: number) => {
      setFlash(null);
      go({ screen: 'room', roomId });
    },
    [go],
  );

  // A search result from any room: open its room at that message.
  const openMessage = useCallback(
    (message: ChatMessage) => {
      setFlash(null);
      setJump({ roomId: message.roomId, seq: message.seq, key: Date.now() });
      go({ screen: 'room', roomId: message.roomId });
    },
    [go],
  );
  const jumped = useCallback(() => setJump(null), []);

  const value = useMemo<SessionValue | null>(
    () => (socket ? { user: session.user, api, socket, connection, notify } : null),
    [socket, session.user, api, connection, notify],
  );
  if (!value) return null;

  return (
    <SessionContext.Provider value={value}>
      <div className="app">
        <Header onSignedOut={() => onSignOut()} onOpenMessage={openMessage} />
        {view.screen === 'room' ? (
          <ChatRoom
            key={view.roomId}
            roomId={view.roomId}
            jumpTo={jump?.roomId === view.roomId ? jump : null}
            onJumped={jumped}
            onBack={backToRooms}
          />
        ) : (
          <RoomsScreen flash={flash} onDismissFlash={() => setFlash(null)} onOpen={openRoomScreen} />
        )}
        <Toasts toasts={toasts} onDismiss={dismiss} />
      </div>
    </SessionContext.Provider>
  );
}
