import { useCallback, useMemo } from 'react';
import type { Session } from '@chat/contracts';
import { createApi, describeError } from '../lib/api';
import { clearSession, loadSession } from '../lib/session';
import { Toasts, useToasts } from '../ui/Toasts';
import { SessionContext, type SessionValue } from './SessionContext';
import { useChatSocket } from './useChatSocket';
import { Workspace } from './Workspace';

const SESSION_ENDED = 'Your session has ended. Please sign in again.';
export const SIGNED_OUT_ELSEWHERE = 'You signed out in another tab.';

interface Props {
  session: Session;
  /** Ends the session of `token` (a 401 of an older token ends nothing). */
  onSignOut: (token: string, notice?: string) => void;
}

/** The REST client and the socket of one session, for every screen under it. */
export function SignedIn({ session, onSignOut }: Props) {
  const token = session.access_token;
  const { toasts, notify, dismiss } = useToasts();
  // A token that stopped working and is no longer the browser's was ended by another tab's logout.
  const ended = useCallback(
    () => onSignOut(token, loadSession()?.access_token === token ? SESSION_ENDED : SIGNED_OUT_ELSEWHERE),
    [onSignOut, token],
  );
  const api = useMemo(() => createApi(token, ended), [token, ended]);
  const { socket, connection } = useChatSocket(token, ended, () =>
    api.me().then(
      () => true,
      () => false,
    ),
  );

  const logout = useCallback(async () => {
    // Closed first, so the server's disconnect of a revoked token is not mistaken for an expired session.
    socket?.disconnect();
    // The other tabs sign out now, told by the storage event, before the server closes their sockets.
    clearSession(token);
    try {
      await api.logout();
      onSignOut(token);
    } catch (error) {
      // Signed out here either way; the user should know the token may still be live.
      onSignOut(token, `Signed out here, but the server did not confirm: ${describeError(error)}`);
    }
  }, [socket, token, api, onSignOut]);

  const value = useMemo<SessionValue | null>(
    () => (socket ? { user: session.user, api, socket, connection, notify } : null),
    [socket, session.user, api, connection, notify],
  );
  if (!value) return null;

  return (
    <SessionContext.Provider value={value}>
      <div className="app">
        <Workspace onLogout={() => void logout()} />
        <Toasts toasts={toasts} onDismiss={dismiss} />
      </div>
    </SessionContext.Provider>
  );
}
