import { useCallback, useEffect, useRef, useState } from 'react';
import type { ChatMessage, TypingEvent } from '@chat/contracts';
import { useSession } from '../shell/SessionContext';

// Re-announce while typing so a late joiner sees it; expire others' flags in case their
// `typing: false` never comes (a closed tab).
const RESEND_MS = 2_500;
const IDLE_MS = 3_000;
const EXPIRE_MS = 6_000;

/** Who else is typing in the room, and the callbacks that announce my own typing. */
export function useTyping(roomId: number, joined: boolean) {
  const { socket, user } = useSession();
  const [typists, setTypists] = useState<Map<number, string>>(new Map());

  useEffect(() => {
    const timers = new Map<number, ReturnType<typeof setTimeout>>();
    const stop = (userId: number) => {
      clearTimeout(timers.get(userId));
      timers.delete(userId);
      setTypists((all) => {
        if (!all.has(userId)) return all;
        const next = new Map(all);
        next.delete(userId);
        return next;
      });
    };
    const onTyping = (e: TypingEvent) => {
      if (e.roomId !== roomId || e.userId === user.id) return;
      if (!e.typing) return stop(e.userId);
      setTypists((all) => new Map(all).set(e.userId, e.nickname));
      clearTimeout(timers.get(e.userId));
      timers.set(
        e.userId,
        setTimeout(() => stop(e.userId), EXPIRE_MS),
      );
    };
    const onMessage = (m: ChatMessage) => m.roomId === roomId && m.sender && stop(m.sender.id);
    socket.on('typing', onTyping).on('message', onMessage);
    return () => {
      for (const timer of timers.values()) clearTimeout(timer);
      socket.off('typing', onTyping).off('message', onMessage);
    };
  }, [socket, roomId, user.id]);

  const lastSent = useRef(0);
  const idle = useRef<ReturnType<typeof setTimeout>>(undefined);

  const stopped = useCallback(() => {
    clearTimeout(idle.current);
    if (lastSent.current === 0) return;
    lastSent.current = 0;
    if (joined) socket.volatile.emit('typing', { room: roomId, typing: false }, () => undefined);
  }, [socket, roomId, joined]);

  const typed = useCallback(() => {
    // The server relays typing only from a socket that has joined the room.
    if (!joined) return;
    if (Date.now() - lastSent.current > RESEND_MS) {
      lastSent.current = Date.now();
      socket.volatile.emit('typing', { room: roomId, typing: true }, () => undefined);
    }
    clearTimeout(idle.current);
    idle.current = setTimeout(stopped, IDLE_MS);
  }, [socket, roomId, joined, stopped]);

  useEffect(() => stopped, [stopped]);

  return { typists: [...typists.values()], typed, stopped };
}

/** "Ann is typing…", "Ann and Bo are typing…", "Several people are typing…". */
export function typingText(names: string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return 'Several people are typing…';
}
