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
import { emit } from '../lib/socket';
import { useSession } from '../shell/SessionContext';
import { useTabVisible } from '../ui/useTabVisible';
import { readLeavesUnread, type RoomList, roomListReducer } from './roomList';

const SYNC_LIMIT = 100;
// What makes the list be read again (reads on another tab, a room it does not know yet) comes in
// bursts: one read for each.
const REFETCH_DELAY_MS = 300;

/** The room is shown in a tab that is itself shown: its messages are being read. */
const onScreen = (openRoomId: number | null, roomId: number) => openRoomId === roomId && document.visibilityState === 'visible';

/** Keeps the highest seq of each room that reached the socket. */
const raise = (seqs: Map<number, number>, message: ChatMessage) =>
  seqs.set(message.roomId, Math.max(seqs.get(message.roomId) ?? 0, message.seq));

/**
 * My rooms, kept current by events instead of polling: read once (and again on every `ready`, for
 * what happened while offline), then moved by `message`, `mention`, `read_marker`, `room_added`,
 * `room_removed`, `room_updated` and `member_updated`. The socket follows all my rooms (openSocket),
 * so their `message`s reach it without joining any.
 */
export function useLiveRooms(openRoomId: number | null) {
  const { api, socket, connection, user } = useSession();
  const [rooms, dispatch] = useReducer(roomListReducer, null);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef<RoomList>(rooms);
  const open = useRef(openRoomId);
  const live = useRef(new Map<number, number>());
  useEffect(() => {
    latest.current = rooms;
    open.current = openRoomId;
  });

  const show = useCallback(
    (message: ChatMessage) => {
      raise(live.current, message);
      const seen = onScreen(open.current, message.roomId);
      dispatch({ type: 'message', message, counts: !seen && message.sender?.id !== user.id });
      if (seen) dispatch({ type: 'read', roomId: message.roomId, seq: message.seq });
    },
    [user.id],
  );

  // The list is read from stored messages, which the worker writes a moment after they are sent: a
  // room the socket has seen further on than the answer gets the rest with `sync`, or the answer
  // would take those messages back off the list.
  const load = useCallback(async () => {
    let mine: MyRoomView[];
    try {
      mine = await api.myRooms();
    } catch (e) {
      return setError(describeError(e));
    }
    dispatch({ type: 'loaded', rooms: mine });
    setError(null);
    for (const room of mine) {
      if ((live.current.get(room.id) ?? 0) <= room.lastSeq || !socket.connected) continue;
      try {
        const { messages } = await emit(socket, 'sync', { room: room.id, afterSeq: room.lastSeq, limit: SYNC_LIMIT });
        messages.forEach(show);
      } catch {
        // No longer mine (room_removed is on its way), or offline: the next `ready` reads the list again.
      }
    }
  }, [api, socket, show]);

  const refetchTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const refetchSoon = useCallback(() => {
    clearTimeout(refetchTimer.current);
    refetchTimer.current = setTimeout(() => void load(), REFETCH_DELAY_MS);
  }, [load]);
  useEffect(() => () => clearTimeout(refetchTimer.current), []);

  const received = useCallback(
    (message: ChatMessage) => {
      if (latest.current?.some((r) => r.id === message.roomId) === false) {
        raise(live.current, message);
        return refetchSoon();
      }
      show(message);
    },
    [show, refetchSoon],
  );

  // Read at once, and again on every `ready`, the first one too: a room added before it reached no socket of mine.
  useEffect(() => {
    void load();
  }, [load, connection.generation]);

  useEffect(() => {
    const onMention = ({ roomId }: MentionEvent) => {
      if (!onScreen(open.current, roomId)) dispatch({ type: 'mentioned', roomId });
    };
    const onReadMarker = ({ roomId, seq }: ReadMarkerEvent) => {
      // Read on another tab, but not to the end: only the server can count what is left.
      if (readLeavesUnread(latest.current, roomId, seq)) refetchSoon();
      dispatch({ type: 'read', roomId, seq });
    };
    const onAdded = ({ room }: RoomAddedEvent) => dispatch({ type: 'added', room });
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
  }, [socket, user.id, received, refetchSoon]);

  // The room on screen counts as read to its end: the room view moves the marker on the server.
  const visible = useTabVisible();
  const openLastSeq = rooms?.find((r) => r.id === openRoomId)?.lastSeq;
  useEffect(() => {
    if (openRoomId !== null && openLastSeq !== undefined && visible) dispatch({ type: 'read', roomId: openRoomId, seq: openLastSeq });
  }, [openRoomId, openLastSeq, visible]);

  return { rooms, error, dispatch };
}
