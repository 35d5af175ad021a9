import { useCallback, useState } from 'react';
import type { Session } from '@chat/contracts';
import { SignIn } from './auth/SignIn';
import { loadSession, saveSession } from './lib/session';
import { SignedIn } from './shell/SignedIn';
import { clearView } from './shell/useView';

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<string | null>(null);

  const signIn = useCallback((next: Session) => {
    saveSession(next);
    setNotice(null);
    setSession(next);
  }, []);
  const signOut = useCallback((reason?: string) => {
    saveSession(null);
    clearView();
    setNotice(reason ?? null);
    setSession(null);
  }, []);

  if (!session) return <SignIn notice={notice} onSignedIn={signIn} />;
  return <SignedIn key={session.access_token} session={session} onSignOut={signOut} />;
}
