import { useEffect, useRef } from 'react';
import { useSession } from '../shell/SessionContext';
import { useTabVisible } from '../ui/useTabVisible';

// Reading is what the eyes do: only a visible tab moves the marker, and a burst of messages
// moves it once.
const SETTLE_MS = 500;

/** Sends `read` up to the newest message shown while the room is on screen. */
export function useReadMarker(roomId: number, seq: number, joined: boolean): void {
  const { socket } = useSession();
  const visible = useTabVisible();
  const sent = useRef(0);
  useEffect(() => {
    if (!joined || !visible || seq <= sent.current) return;
    const timer = setTimeout(() => {
      sent.current = seq;
      socket.emit('read', { room: roomId, seq }, () => undefined);
    }, SETTLE_MS);
    return () => clearTimeout(timer);
  }, [socket, roomId, seq, joined, visible]);
}
