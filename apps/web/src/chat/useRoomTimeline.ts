import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type { ChatMessage, MessageDeletedEvent, NoticeEvent } from '@chat/contracts';
import { describeError } from '../lib/api';
import { newClientMsgId } from '../lib/ids';
import { emit, SocketError } from '../lib/socket';
import { useSession } from '../shell/SessionContext';
import { emptyTimeline, timelineReducer } from './timeline';

const SYNC_PAGE = 100;
// Refusals that mean this room is not mine to show: back to the list.
const FATAL = new Set(['NOT_MEMBER', 'BANNED', 'NOT_FOUND', 'FORBIDDEN']);

const maxSeq = (messages: ChatMessage[]) => messages.reduce((max, m) => Math.max(max, m.seq), 0);

/**
 * A room's messages: history over REST, live messages once joined, and no gap. Every `ready`
 * (first connect and each reconnect) joins the room again and fetches what was missed with
 * `sync`; a live message whose seq skips ahead triggers a `sync` too.
 */
export function useRoomTimeline(roomId: number, onFatal: (reason: string) => void) {
  const { api, socket, connection, user, notify } = useSession();
  const [timeline, dispatch] = useReducer(timelineReducer, emptyTimeline);
  const [joined, setJoined] = useState(false);
  // Where gaps are measured from: the highest seq the server has shown us. Seqs from my own acks
  // do not count, or a message I missed just before mine would go unnoticed.
  const highest = useRef(0);
  const loaded = useRef(false);
  const fatal = useRef(onFatal);
  useEffect(() => {
    fatal.current = onFatal;
  });

  const receive = useCallback((messages: ChatMessage[]) => {
    highest.current = Math.max(highest.current, maxSeq(messages));
    dispatch({ type: 'received', messages });
  }, []);

  const syncFrom = useCallback(
    async (afterSeq: number) => {
      for (let after = afterSeq; ;) {
        const { messages } = await emit(socket, 'sync', { room: roomId, afterSeq: after, limit: SYNC_PAGE });
        receive(messages);
        if (messages.length < SYNC_PAGE) return;
        after = maxSeq(messages);
      }
    },
    [socket, roomId, receive],
  );

  useEffect(() => {
    const onMessage = (message: ChatMessage) => {
      if (message.roomId !== roomId) return;
      const from = highest.current;
      receive([message]);
      if (loaded.current && message.seq > from + 1) syncFrom(from).catch((e: unknown) => notify(`Could not catch up: ${describeError(e)}`));
    };
    const onDeleted = (e: MessageDeletedEvent) => e.roomId === roomId && dispatch({ type: 'deleted', id: e.id });
    const onNotice = (n: NoticeEvent) => n.roomId === roomId && dispatch({ type: 'notice', text: n.text });
    const onDisconnect = () => setJoined(false);
    socket.on('message', onMessage).on('message_deleted', onDeleted).on('notice', onNotice).on('disconnect', onDisconnect);
    return () => {
      socket.off('message', onMessage).off('message_deleted', onDeleted).off('notice', onNotice).off('disconnect', onDisconnect);
    };
  }, [socket, roomId, receive, syncFrom, notify]);

  useEffect(() => {
    if (connection.generation === 0) return;
    let current = true;
    const attach = async () => {
      const { lastSeq } = await emit(socket, 'join_room', { room: roomId });
      if (!current) return;
      setJoined(true);
      if (loaded.current) return syncFrom(highest.current);
      const page = await api.history(roomId, null);
      if (!current) return;
      const newest = maxSeq(page.messages);
      highest.current = Math.max(highest.current, newest);
      loaded.current = true;
      dispatch({ type: 'history', page });
      // Messages accepted but not yet written by the worker when history was read arrive a moment later.
      if (lastSeq > newest) setTimeout(() => void syncFrom(newest).catch(() => undefined), 1_000);
    };
    attach().catch((e: unknown) => {
      if (!current) return;
      if (e instanceof SocketError && FATAL.has(e.code)) fatal.current(describeError(e));
      else notify(`Could not open the room: ${describeError(e)}`);
    });
    return () => {
      current = false;
    };
  }, [socket, api, roomId, connection.generation, syncFrom, notify]);

  // Stop receiving the room's traffic when leaving the screen (membership is unchanged).
  useEffect(
    () => () => {
      if (socket.connected) socket.emit('leave_room', roomId, () => undefined);
    },
    [socket, roomId],
  );

  const send = useCallback(
    (content: string, clientMsgId = newClientMsgId()) => {
      const sender = { id: user.id, nickname: user.nickname, role: user.role };
      dispatch({ type: 'sending', clientMsgId, content });
      emit(socket, 'message', { room: roomId, msg: content, clientMsgId }).then(
        // Usually the broadcast of the message has settled it already; if not, the ack does.
        (accepted) => dispatch({ type: 'received', messages: [{ ...accepted, roomId, content, type: 'chat', sender, clientMsgId }] }),
        (e: unknown) => dispatch({ type: 'failed', clientMsgId, error: describeError(e) }),
      );
    },
    [socket, roomId, user],
  );

  const remove = useCallback(
    (id: string) => {
      emit(socket, 'delete_message', { id }).then(
        () => dispatch({ type: 'deleted', id }),
        (e: unknown) => notify(`Could not delete the message: ${describeError(e)}`),
      );
    },
    [socket, notify],
  );

  const loadOlder = useCallback(async () => {
    if (timeline.olderCursor === null) return;
    try {
      dispatch({ type: 'history', page: await api.history(roomId, timeline.olderCursor) });
    } catch (e) {
      notify(`Could not load older messages: ${describeError(e)}`);
    }
  }, [api, roomId, timeline.olderCursor, notify]);

  return { timeline, joined, send, remove, loadOlder };
}
