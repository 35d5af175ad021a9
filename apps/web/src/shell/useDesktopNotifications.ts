import { useCallback, useEffect, useRef, useState } from 'react';
import { type ChatMessage, messagePreview, type MentionEvent } from '@chat/contracts';
import type { RoomList } from '../rooms/roomList';
import { useSession } from './SessionContext';

export type NotificationState = NotificationPermission | 'unsupported';

const supported = () => typeof Notification !== 'undefined';

/** Whether desktop notifications may be shown, and a way to ask: browsers only let a click ask. */
export function useNotificationPermission(): [NotificationState, () => void] {
  const [state, setState] = useState<NotificationState>(() => (supported() ? Notification.permission : 'unsupported'));
  const ask = useCallback(() => {
    if (supported()) void Notification.requestPermission().then(setState);
  }, []);
  return [state, ask];
}

interface Options {
  rooms: RoomList;
  openRoomId: number | null;
  onOpen: (roomId: number) => void;
}

/**
 * A desktop notification for each message from someone else in a room that is not on screen, and
 * for each mention of me, except in rooms I muted. Every tab of mine gets the same events: a
 * notification is tagged with its message, so the browser shows one of them.
 */
export function useDesktopNotifications({ rooms, openRoomId, onOpen }: Options): void {
  const { socket, user } = useSession();
  const latest = useRef({ rooms, openRoomId, onOpen });
  useEffect(() => {
    latest.current = { rooms, openRoomId, onOpen };
  });

  useEffect(() => {
    const show = (roomId: number, messageId: string, text: (roomName: string) => { title: string; body: string }) => {
      const { rooms: list, openRoomId: open } = latest.current;
      const room = list?.find((r) => r.id === roomId);
      if (!supported() || Notification.permission !== 'granted' || !room || room.selfMuted) return;
      if (open === roomId && document.visibilityState === 'visible') return;
      const { title, body } = text(room.name);
      const notification = new Notification(title, { body, tag: messageId });
      notification.onclick = () => {
        window.focus();
        latest.current.onOpen(roomId);
        notification.close();
      };
    };
    const onMessage = (m: ChatMessage) => {
      // A mention of me is told by its own event, which comes whether or not this socket joined the room.
      if (m.type !== 'chat' || !m.sender || m.sender.id === user.id || m.mentions.includes(user.id)) return;
      const { nickname } = m.sender;
      show(m.roomId, m.id, (room) => ({ title: `${nickname} in ${room}`, body: messagePreview(m.content, m.attachments) }));
    };
    const onMention = (e: MentionEvent) => {
      if (e.from.id !== user.id) show(e.roomId, e.messageId, (room) => ({ title: `${e.from.nickname} mentioned you`, body: `in ${room}` }));
    };
    socket.on('message', onMessage).on('mention', onMention);
    return () => {
      socket.off('message', onMessage).off('mention', onMention);
    };
  }, [socket, user.id]);
}
