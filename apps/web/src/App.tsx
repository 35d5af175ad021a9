import { useCallback, useEffect, useRef, useState } from 'react';
import type { Session } from '@chat/contracts';
import { SignIn } from './auth/SignIn';
import { clearSession, loadSession, onSessionChange, saveSession } from './lib/session';
import { SignedIn } from './shell/SignedIn';
import { clearView } from './shell/useView';

const SIGNED_OUT_ELSEWHERE = 'You signed out in another tab.';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<string | null>(null);
  const shown = useRef(session);
  useEffect(() => {
    shown.current = session;
  });

  // Every tab follows the browser's session: a sign-in or a sign-out in one is one in all.
  useEffect(
    () =>
      onSessionChange((next) => {
        if (next?.access_token === shown.current?.access_token) return;
        if (!next) clearView();
        setNotice(next ? null : SIGNED_OUT_ELSEWHERE);
        setSession(next);
      }),
    [],
  );

  const signIn = useCallback((next: Session) => {
    saveSession(next);
    setNotice(null);
    setSession(next);
  }, []);
  // Bound to the token it ends: a late 401 of an old token leaves a newer session alone.
  const signOut = useCallback((token: string, reason?: string) => {
    if (shown.current?.access_token !== token) return;
    clearSession(token);
    clearView();
    setNotice(reason ?? null);
    setSession(null);
  }, []);

  if (!session) return <SignIn notice={notice} onSignedIn={signIn} />;
  return <SignedIn key={session.access_token} session={session} onSignOut={signOut} />;
}
