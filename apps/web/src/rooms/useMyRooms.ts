import { useCallback, useEffect, useState } from 'react';
import type { MyRoomView } from '@chat/contracts';
import { describeError } from '../lib/api';
import { useSession } from '../shell/SessionContext';

// The socket only carries rooms that are open, so the list polls for activity elsewhere.
const POLL_MS = 10_000;

const activity = (room: MyRoomView) => Date.parse(room.lastMessageAt ?? room.createdAt);

/** My rooms, newest activity first, refreshed while the list is on screen. */
export function useMyRooms() {
  const { api } = useSession();
  const [rooms, setRooms] = useState<MyRoomView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const mine = await api.myRooms();
      setRooms([...mine].sort((a, b) => activity(b) - activity(a)));
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  }, [api]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    const onFocus = () => void refresh();
    window.addEventListener('focus', onFocus);
    return () => {
      clearInterval(timer);
      window.removeEventListener('focus', onFocus);
    };
  }, [refresh]);

  return { rooms, error, refresh };
}
