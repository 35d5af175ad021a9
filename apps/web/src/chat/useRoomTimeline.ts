import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import type {
  ChatMessage,
  MessageDeletedEvent,
  MessageUpdatedEvent,
  NoticeEvent,
  ReactionEvent,
  SendMessagePayload,
} from '@chat/contracts';
import { describeError } from '../lib/api';
import { newClientMsgId } from '../lib/ids';
import { emit, SocketError } from '../lib/socket';
import { useSession } from '../shell/SessionContext';
import { type Draft, emptyTimeline, timelineReducer, type WindowAction } from './timeline';

const SYNC_PAGE = 100;
const PAGE = 50;
// A message opened from search is shown with this many messages on either side.
const CONTEXT = 25;
// How long the broadcast of my own message may take before it is fetched instead.
const SETTLE_MS = 1_000;
// Refusals that mean this room is not mine to show: back to the list.
const FATAL = new Set(['NOT_MEMBER', 'BANNED', 'NOT_FOUND', 'FORBIDDEN']);

const maxSeq = (messages: ChatMessage[]) => messages.reduce((max, m) => Math.max(max, m.seq), 0);

/**
 * A room's messages: history over REST, live messages once joined, and no gap. Every `ready`
 * (first connect and each reconnect) joins the room again and fetches what was missed with
 * `sync`; a live message whose seq skips ahead triggers a `sync` too. `focus(seq)` shows the
 * stretch around an older message instead, paged both ways, until its newest page joins the live end.
 */
export function useRoomTimeline(roomId: number, onFatal: (reason: string) => void) {
  const { api, socket, connection, user, notify } = useSession();
  const [timeline, dispatch] = useReducer(timelineReducer, emptyTimeline);
  const [joined, setJoined] = useState(false);
  // Where gaps are measured from: the highest seq the server has shown us. Seqs from my own acks
  // do not count, or a message I missed just before mine would go unnoticed.
  const highest = useRef(0);
  // The room's newest seq as far as we know (join acks, live messages): whether a stretch reaches the end.
  const newest = useRef(0);
  const loaded = useRef(false);
  // A message to open the room at, asked for before the history was read.
  const wanted = useRef<number | null>(null);
  const shown = useRef(timeline);
  // The `before=` cursor of the older page asked for: scrolling near the top asks many times over, each page is read once per window.
  const requested = useRef<number | null>(null);
  const fatal = useRef(onFatal);
  useEffect(() => {
    fatal.current = onFatal;
    shown.current = timeline;
  });
  const detached = () => shown.current.newerCursor !== null;

  const receive = useCallback((messages: ChatMessage[]) => {
    highest.current = Math.max(highest.current, maxSeq(messages));
    newest.current = Math.max(newest.current, highest.current);
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

  const latestPage = useCallback(
    async (): Promise<WindowAction> => ({
      type: 'window',
      page: await api.history(roomId, { limit: PAGE }),
      newerCursor: null,
      focusSeq: null,
    }),
    [api, roomId],
  );

  const pageAround = useCallback(
    async (seq: number): Promise<WindowAction> => {
      // `before` is exclusive: the page ends at seq + CONTEXT - 1, where newer pages go on.
      const top = seq + CONTEXT - 1;
      const page = await api.history(roomId, { before: top + 1, limit: 2 * CONTEXT });
      return { type: 'window', page, newerCursor: newest.current > top ? top : null, focusSeq: seq };
    },
    [api, roomId],
  );

  const show = useCallback(
    (action: WindowAction) => {
      const last = maxSeq(action.page.messages);
      highest.current = Math.max(highest.current, last);
      loaded.current = true;
      requested.current = null;
      dispatch(action);
      // Messages accepted but not yet written by the worker when history was read arrive a moment later.
      if (action.newerCursor === null && newest.current > last) setTimeout(() => void syncFrom(last).catch(() => undefined), SETTLE_MS);
    },
    [syncFrom],
  );

  useEffect(() => {
    const onMessage = (message: ChatMessage) => {
      if (message.roomId !== roomId) return;
      const from = highest.current;
      receive([message]);
      if (loaded.current && !detached() && message.seq > from + 1)
        syncFrom(from).catch((e: unknown) => notify(`Could not catch up: ${describeError(e)}`));
    };
    const onDeleted = (e: MessageDeletedEvent) => e.roomId === roomId && dispatch({ type: 'deleted', id: e.id });
    const onUpdated = (e: MessageUpdatedEvent) => e.roomId === roomId && dispatch({ type: 'updated', ...e });
    const onReaction = (e: ReactionEvent) => {
      if (e.roomId !== roomId) return;
      // Whether I have the reaction changes only with my own; someone else's changes the count alone.
      const mine = e.userId === user.id ? e.on : undefined;
      dispatch({ type: 'reaction', messageId: e.messageId, emoji: e.emoji, count: e.count, mine });
    };
    const onNotice = (n: NoticeEvent) => n.roomId === roomId && dispatch({ type: 'notice', text: n.text });
    const onDisconnect = () => setJoined(false);
    socket
      .on('message', onMessage)
      .on('message_deleted', onDeleted)
      .on('message_updated', onUpdated)
      .on('reaction', onReaction)
      .on('notice', onNotice)
      .on('disconnect', onDisconnect);
    return () => {
      socket
        .off('message', onMessage)
        .off('message_deleted', onDeleted)
        .off('message_updated', onUpdated)
        .off('reaction', onReaction)
        .off('notice', onNotice)
        .off('disconnect', onDisconnect);
    };
  }, [socket, roomId, user.id, receive, syncFrom, notify]);

  // The socket follows all my rooms already; `join_room` is still how the room opens: it checks I
  // may read it here and answers the room's last seq as sequenced, stored yet or not (the history
  // read next may not have it). The room is not left on closing: the room list follows it too.
  useEffect(() => {
    if (connection.generation === 0) return;
    let current = true;
    const attach = async () => {
      const { lastSeq } = await emit(socket, 'join_room', { room: roomId });
      if (!current) return;
      newest.current = Math.max(newest.current, lastSeq);
      setJoined(true);
      // Reconnected: catch up, unless an older stretch is shown (its newer pages will bring what came).
      if (loaded.current) return detached() ? undefined : syncFrom(highest.current);
      const seq = wanted.current;
      const action = seq === null ? await latestPage() : await pageAround(seq);
      if (!current) return;
      wanted.current = null;
      show(action);
    };
    attach().catch((e: unknown) => {
      if (!current) return;
      if (e instanceof SocketError && FATAL.has(e.code)) fatal.current(describeError(e));
      else notify(`Could not open the room: ${describeError(e)}`);
    });
    return () => {
      current = false;
    };
  }, [socket, roomId, connection.generation, syncFrom, latestPage, pageAround, show, notify]);

  const toLatest = useCallback(async () => {
    try {
      show(await latestPage());
    } catch (e) {
      notify(`Could not load the latest messages: ${describeError(e)}`);
    }
  }, [latestPage, show, notify]);

  /** Brings the message with this seq into view, reading the history around it when it is not shown. */
  const focus = useCallback(
    async (seq: number) => {
      if (!loaded.current) {
        wanted.current = seq;
        return;
      }
      if (shown.current.messages.some((m) => m.seq === seq)) return dispatch({ type: 'focus', seq });
      try {
        show(await pageAround(seq));
      } catch (e) {
        notify(`Could not show that message: ${describeError(e)}`);
      }
    },
    [pageAround, show, notify],
  );

  const send = useCallback(
    (draft: Draft, clientMsgId = newClientMsgId()) => {
      const { content, attachments, replyTo, mentions } = draft;
      const sender = { id: user.id, nickname: user.nickname, role: user.role };
      dispatch({ type: 'sending', clientMsgId, draft });
      const payload: SendMessagePayload = {
        room: roomId,
        msg: content,
        clientMsgId,
        ...(attachments.length ? { attachmentIds: attachments.map((a) => a.id) } : {}),
        ...(replyTo ? { replyTo: replyTo.id } : {}),
        ...(mentions.length ? { mentions } : {}),
      };
      // A message sent while reading the past goes to the end of the conversation: show the end first.
      const ready = detached() ? toLatest() : Promise.resolve();
      ready
        .then(() => emit(socket, 'message', payload))
        .then(
          (accepted) => {
            // Usually the broadcast of the message has settled it already; if not, the ack does.
            dispatch({
              type: 'accepted',
              message: {
                ...accepted,
                roomId,
                content,
                type: 'chat',
                sender,
                clientMsgId,
                attachments: [],
                editedAt: null,
                replyTo,
                mentions,
                reactions: [],
              },
            });
            // Only the message itself has its attachments' links: fetch it if its broadcast is late.
            if (attachments.length)
              setTimeout(() => {
                if (!shown.current.messages.some((m) => m.id === accepted.id)) void syncFrom(accepted.seq - 1).catch(() => undefined);
              }, SETTLE_MS);
          },
          (e: unknown) => dispatch({ type: 'failed', clientMsgId, error: describeError(e) }),
        );
    },
    [socket, roomId, user, toLatest, syncFrom],
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

  /** Resolves to whether the message now reads `content`; a refusal is reported here. */
  const edit = useCallback(
    async (id: string, content: string): Promise<boolean> => {
      try {
        const edited = await emit(socket, 'edit_message', { id, msg: content });
        dispatch({ type: 'updated', id, content: edited.content, editedAt: edited.editedAt });
        return true;
      } catch (e) {
        notify(`Could not edit the message: ${describeError(e)}`);
        return false;
      }
    },
    [socket, notify],
  );

  // The count comes back with the room's `reaction` event, mine included: it is the server's to say.
  const react = useCallback(
    (id: string, emoji: string, on: boolean) => {
      emit(socket, 'react', { id, emoji, on }).catch((e: unknown) => notify(`Could not react: ${describeError(e)}`));
    },
    [socket, notify],
  );

  const loadOlder = useCallback(async () => {
    const cursor = timeline.olderCursor;
    if (cursor === null || cursor === requested.current) return;
    requested.current = cursor;
    try {
      dispatch({ type: 'history', page: await api.history(roomId, { before: cursor, limit: PAGE }) });
    } catch (e) {
      requested.current = null;
      notify(`Could not load older messages: ${describeError(e)}`);
    }
  }, [api, roomId, timeline.olderCursor, notify]);

  const loadNewer = useCallback(async () => {
    const cursor = timeline.newerCursor;
    if (cursor === null) return;
    try {
      const page = await api.history(roomId, { after: cursor, limit: PAGE });
      highest.current = Math.max(highest.current, maxSeq(page.messages));
      dispatch({ type: 'newer', page });
      // Joined up with the live end: fetch what came while the stretch was read (live messages were held back).
      if (page.nextCursor === null) await syncFrom(Math.max(cursor, maxSeq(page.messages)));
    } catch (e) {
      notify(`Could not load newer messages: ${describeError(e)}`);
    }
  }, [api, roomId, timeline.newerCursor, syncFrom, notify]);

  return { timeline, joined, send, edit, react, remove, loadOlder, loadNewer, toLatest, focus };
}
