import { useCallback, useEffect, useRef, useState } from 'react';
import type { Session } from '@chat/contracts';
import { SignIn } from './auth/SignIn';
import { clearSession, loadSession, onSessionChange, saveSession } from './lib/session';
import { SIGNED_OUT_ELSEWHERE, SignedIn } from './shell/SignedIn';
import { clearView } from './shell/useView';

export function App() {
  const [session, setShownSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<string | null>(null);
  // Read by callbacks that may run before the next render (a storage event, then a late 401).
  const shown = useRef(session);
  const setSession = useCallback((next: Session | null) => {
    shown.current = next;
    setShownSession(next);
  }, []);

  // Every tab follows the browser's session: a sign-in or a sign-out in one is one in all.
  useEffect(
    () =>
      onSessionChange((next) => {
        if (next?.access_token === shown.current?.access_token) return;
        if (!next) clearView();
        setNotice(next ? null : SIGNED_OUT_ELSEWHERE);
        setSession(next);
      }),
    [setSession],
  );

  const signIn = useCallback(
    (next: Session) => {
      saveSession(next);
      setNotice(null);
      setSession(next);
    },
    [setSession],
  );
  // Bound to the token it ends: a late 401 of an old token leaves a newer session alone.
  const signOut = useCallback(
    (token: string, reason?: string) => {
      if (shown.current?.access_token !== token) return;
      clearSession(token);
      clearView();
      setNotice(reason ?? null);
      setSession(null);
    },
    [setSession],
  );

  if (!session) return <SignIn notice={notice} onSignedIn={signIn} />;
  return <SignedIn key={session.access_token} session={session} onSignOut={signOut} />;
}
