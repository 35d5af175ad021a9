import { useEffect, useRef, useState } from 'react';
import { ConnectRefusal, reconnectDelayMs, type ServerBusyData } from '@chat/contracts';
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
    // A replica refusing new connections (`server_busy`, after another replica died) is not retried
    // by Socket.IO itself: retry after its retryAfterMs plus a growing, random delay.
    let busyRetries = 0;
    let retry: ReturnType<typeof setTimeout> | undefined;
    s.on('ready', ({ replica }) => {
      busyRetries = 0;
      setConnection((c) => ({ status: 'online', replica, generation: c.generation + 1 }));
    });
    s.on('disconnect', (reason) => {
      setConnection((c) => ({ ...c, status: 'offline' }));
      if (reason !== 'io server disconnect') return;
      void callbacks.current.stillSignedIn().then((yes) => yes && s.connect());
    });
    s.on('connect_error', (error) => {
      if (error.message === ConnectRefusal.Unauthorized) return callbacks.current.onUnauthorized();
      setConnection((c) => ({ ...c, status: 'offline' }));
      if (error.message === ConnectRefusal.ServerBusy) {
        const { retryAfterMs } = (error as Error & { data?: ServerBusyData }).data ?? { retryAfterMs: 1_000 };
        retry = setTimeout(() => s.connect(), reconnectDelayMs(busyRetries++, { retryAfterMs }));
      }
    });
    setSocket(s);
    return () => {
      clearTimeout(retry);
      s.close();
      setSocket(null);
    };
  }, [token]);

  return { socket, connection };
}
