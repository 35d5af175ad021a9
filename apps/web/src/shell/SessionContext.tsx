import { createContext, useContext } from 'react';
import type { PublicUser } from '@chat/contracts';
import type { Api } from '../lib/api';
import type { ChatSocket } from '../lib/socket';
import type { Notify } from '../ui/Toasts';
import type { Connection } from './useChatSocket';

/** What every signed-in screen needs: who I am, the REST client, the socket and a way to report. */
export interface SessionValue {
  user: PublicUser;
  api: Api;
  socket: ChatSocket;
  connection: Connection;
  notify: Notify;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a signed-in screen');
  return value;
}
