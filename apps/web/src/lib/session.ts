import type { Session } from '@chat/contracts';

// localStorage: one session per browser, shared by its tabs, as people expect of a web app. The
// token is never refreshed (it lives JWT_TTL_SECONDS, then the user signs in again), so there is
// no rotation for two tabs to race on: they only have to agree on signing in and out.
const KEY = 'chat.session';

function parse(raw: string | null): Session | null {
  try {
    const session = raw ? (JSON.parse(raw) as Session) : null;
    return session && typeof session.access_token === 'string' && session.user ? session : null;
  } catch {
    return null;
  }
}

export function loadSession(): Session | null {
  return parse(localStorage.getItem(KEY));
}

export function saveSession(session: Session): void {
  localStorage.setItem(KEY, JSON.stringify(session));
}

/**
 * Forgets the session if it is still the one with `token`: a late 401 of an old token in one tab
 * must not sign out the newer login of another.
 */
export function clearSession(token: string): void {
  if (loadSession()?.access_token === token) localStorage.removeItem(KEY);
}

/** Calls `listener` when another tab signs in (the new session) or out (null). */
export function onSessionChange(listener: (session: Session | null) => void): () => void {
  // `storage` fires in every tab of the origin except the one that wrote.
  const onStorage = (event: StorageEvent) => {
    if (event.storageArea === localStorage && (event.key === KEY || event.key === null)) listener(parse(event.newValue));
  };
  window.addEventListener('storage', onStorage);
  return () => window.removeEventListener('storage', onStorage);
}
