import { useEffect, useRef, useState } from 'react';
import { type ChatSocket, openSocket } from '../lib/socket';

export interface Connection {
  status: 'connecting' | 'online' | 'offline';
  /** The gateway replica the socket landed on. */
  replica: string | null;
  /** Counts `ready` events: screens (re)join their room and resync whenever it changes. */
  generation: number;
}

/**
 * One socket per session. Socket.IO reconnects by itself after a network loss, but not after the
 * server closed the socket on purpose: that is a logout elsewhere, a ban, or a replica draining
 * for shutdown, and only the last one should reconnect — `stillSignedIn` tells them apart.
 */
export function useChatSocket(token: string, onUnauthorized: () => void, stillSignedIn: () => Promise<boolean>) {
  const [socket, setSocket] = useState<ChatSocket | null>(null);
  const [connection, setConnection] = useState<Connection>({ status: 'connecting', replica: null, generation: 0 });
  const callbacks = useRef({ onUnauthorized, stillSignedIn });
  useEffect(() => {
    callbacks.current = { onUnauthorized, stillSignedIn };
  });

  useEffect(() => {
    const s = openSocket(token);
    s.on('ready', ({ replica }) => setConnection((c) => ({ status: 'online', replica, generation: c.generation + 1 })));
    s.on('disconnect', (reason) => {
      setConnection((c) => ({ ...c, status: 'offline' }));
      if (reason !== 'io server disconnect') return;
      void callbacks.current.stillSignedIn().then((yes) => yes && s.connect());
    });
    s.on('connect_error', (error) => {
      if (error.message === 'unauthorized') callbacks.current.onUnauthorized();
      else setConnection((c) => ({ ...c, status: 'offline' }));
    });
    setSocket(s);
    return () => {
      s.close();
      setSocket(null);
    };
  }, [token]);

  return { socket, connection };
}
