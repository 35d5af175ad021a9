import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type {
  ChatMessage,
  MemberUpdatedEvent,
  MentionEvent,
  MyRoomView,
  ReadMarkerEvent,
  RoomAddedEvent,
  RoomUpdatedEvent,
} from '@chat/contracts';
import { describeError } from '../lib/api';
import { emit, SocketError } from '../lib/socket';
import { useSession } from '../shell/SessionContext';
import { useTabVisible } from '../ui/useTabVisible';
import { readLeavesUnread, type RoomList, roomListReducer } from './roomList';

// The per-user event budget is shared by all of a user's tabs (20 a second, bursts of 40): joining
// many rooms at once runs into it, and a refused join is tried again after a pause.
const JOIN_RETRY_MS = 1_000;
const JOIN_ATTEMPTS = 10;
const SYNC_LIMIT = 100;
// What makes the list be read again (reads on another tab, a room it does not know yet) comes in
// bursts: one read for each.
const REFETCH_DELAY_MS = 300;

/** The room is shown in a tab that is itself shown: its messages are being read. */
const onScreen = (openRoomId: number | null, roomId: number) => openRoomId === roomId && document.visibilityState === 'visible';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * My rooms, kept current by events instead of polling: read once (and again on every `ready`, for
 * what happened while offline), then moved by `message`, `mention`, `read_marker`, `room_added`,
 * `room_removed`, `room_updated` and `member_updated`. A socket gets the `message`s of the rooms it
 * has joined only, so this joins every room of mine; a join that finds a room further on than the
 * list fetches what it missed with `sync`.
 */
export function useLiveRooms(openRoomId: number | null) {
  const { api, socket, connection, user } = useSession();
  const [rooms, dispatch] = useReducer(roomListReducer, null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef<RoomList>(rooms);
  const open = useRef(openRoomId);
  useEffect(() => {
    latest.current = rooms;
    open.current = openRoomId;
  });

  const load = useCallback(async (): Promise<MyRoomView[]> => {
    try {
      const mine = await api.myRooms();
      dispatch({ type: 'loaded', rooms: mine });
      setError(null);
      return mine;
    } catch (e) {
      setError(describeError(e));
      return [];
    }
  }, [api]);

  const refetchTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const refetchSoon = useCallback(() => {
    clearTimeout(refetchTimer.current);
    refetchTimer.current = setTimeout(() => void load(), REFETCH_DELAY_MS);
  }, [load]);
  useEffect(() => () => clearTimeout(refetchTimer.current), []);

  const received = useCallback(
    (message: ChatMessage) => {
      if (latest.current && !latest.current.some((r) => r.id === message.roomId)) return refetchSoon();
      const seen = onScreen(open.current, message.roomId);
      dispatch({ type: 'message', message, counts: !seen && message.sender?.id !== user.id });
      if (seen) dispatch({ type: 'read', roomId: message.roomId, seq: message.seq });
    },
    [user.id, refetchSoon],
  );

  const join = useCallback(
    async (room: { id: number; lastSeq: number }) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const { lastSeq } = await emit(socket, 'join_room', { room: room.id });
          const known = Math.max(room.lastSeq, latest.current?.find((r) => r.id === room.id)?.lastSeq ?? 0);
          if (lastSeq > known) {
            const { messages } = await emit(socket, 'sync', { room: room.id, afterSeq: known, limit: SYNC_LIMIT });
            messages.forEach(received);
          }
          return;
        } catch (e) {
          // Any other refusal: the room is no longer mine (room_removed is on its way); a lost connection joins again on `ready`.
          if (!(e instanceof SocketError) || e.code !== 'RATE_LIMITED' || attempt === JOIN_ATTEMPTS || !socket.connected) return;
          await pause(JOIN_RETRY_MS);
        }
      }
    },
    [socket, received],
  );

  // Read at once, and again on every `ready`, the first one too: a room added before it reached no socket of mine.
  useEffect(() => {
    let current = true;
    void load().then(async (mine) => {
      if (connection.generation === 0) return;
      for (const room of mine) if (current && socket.connected) await join(room);
    });
    return () => {
      current = false;
    };
  }, [load, join, socket, connection.generation]);

  useEffect(() => {
    const onMention = ({ roomId }: MentionEvent) => {
      if (!onScreen(open.current, roomId)) dispatch({ type: 'mentioned', roomId });
    };
    const onReadMarker = ({ roomId, seq }: ReadMarkerEvent) => {
      // Read on another tab, but not to the end: only the server can count what is left.
      if (readLeavesUnread(latest.current, roomId, seq)) refetchSoon();
      dispatch({ type: 'read', roomId, seq });
    };
    const onAdded = ({ room }: RoomAddedEvent) => {
      dispatch({ type: 'added', room });
      void join(room);
    };
    const onRemoved = ({ roomId }: { roomId: number }) => dispatch({ type: 'removed', roomId });
    const onUpdated = ({ room }: RoomUpdatedEvent) => dispatch({ type: 'updated', room, myId: user.id });
    const onMember = (e: MemberUpdatedEvent) => {
      if (e.userId === user.id) dispatch({ type: 'role', roomId: e.roomId, role: e.role });
    };
    socket
      .on('message', received)
      .on('mention', onMention)
      .on('read_marker', onReadMarker)
      .on('room_added', onAdded)
      // kicked and room_deleted as well: a server without room_removed sends only those.
      .on('room_removed', onRemoved)
      .on('kicked', onRemoved)
      .on('room_deleted', onRemoved)
      .on('room_updated', onUpdated)
      .on('member_updated', onMember);
    return () => {
      socket
        .off('message', received)
        .off('mention', onMention)
        .off('read_marker', onReadMarker)
        .off('room_added', onAdded)
        .off('room_removed', onRemoved)
        .off('kicked', onRemoved)
        .off('room_deleted', onRemoved)
        .off('room_updated', onUpdated)
        .off('member_updated', onMember);
    };
  }, [socket, user.id, join, received, refetchSoon]);

  // The room on screen counts as read to its end: the room view moves the marker on the server.
  const visible = useTabVisible();
  const openLastSeq = rooms?.find((r) => r.id === openRoomId)?.lastSeq;
  useEffect(() => {
    if (openRoomId !== null && openLastSeq !== undefined && visible) dispatch({ type: 'read', roomId: openRoomId, seq: openLastSeq });
  }, [openRoomId, openLastSeq, visible]);

  // The room view leaves its socket room as it closes: join it again, so the room's badges stay live.
  useEffect(() => {
    if (openRoomId === null) return;
    return () => {
      // A task later, so the join follows the room view's leave_room.
      setTimeout(() => {
        const room = latest.current?.find((r) => r.id === openRoomId);
        if (room && socket.connected) void join(room);
      }, 0);
    };
  }, [openRoomId, socket, join]);

  return { rooms, error, dispatch, refresh: load };
}
