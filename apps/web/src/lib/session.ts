import type { Session } from '@chat/contracts';

// sessionStorage: a token per tab that ends with the tab, so two tabs can be two users.
const KEY = 'chat.session';

export function loadSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const session = raw ? (JSON.parse(raw) as Session) : null;
    return session && typeof session.access_token === 'string' && session.user ? session : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}
