import { useCallback, useMemo } from 'react';
import type { Session } from '@chat/contracts';
import { createApi } from '../lib/api';
import { Toasts, useToasts } from '../ui/Toasts';
import { SessionContext, type SessionValue } from './SessionContext';
import { useChatSocket } from './useChatSocket';
import { Workspace } from './Workspace';

const SESSION_ENDED = 'Your session has ended. Please sign in again.';

interface Props {
  session: Session;
  /** Ends the session of `token` (a 401 of an older token ends nothing). */
  onSignOut: (token: string, notice?: string) => void;
}

/** The REST client and the socket of one session, for every screen under it. */
export function SignedIn({ session, onSignOut }: Props) {
  const token = session.access_token;
  const { toasts, notify, dismiss } = useToasts();
  const ended = useCallback(() => onSignOut(token, SESSION_ENDED), [onSignOut, token]);
  const signedOut = useCallback(() => onSignOut(token), [onSignOut, token]);
  const api = useMemo(() => createApi(token, ended), [token, ended]);
  const { socket, connection } = useChatSocket(token, ended, () =>
    api.me().then(
      () => true,
      () => false,
    ),
  );

  const value = useMemo<SessionValue | null>(
    () => (socket ? { user: session.user, api, socket, connection, notify } : null),
    [socket, session.user, api, connection, notify],
  );
  if (!value) return null;

  return (
    <SessionContext.Provider value={value}>
      <div className="app">
        <Workspace onSignedOut={signedOut} />
        <Toasts toasts={toasts} onDismiss={dismiss} />
      </div>
    </SessionContext.Provider>
  );
}
