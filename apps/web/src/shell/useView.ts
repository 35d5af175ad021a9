import { useCallback, useEffect, useState } from 'react';

export type View = { screen: 'rooms' } | { screen: 'room'; roomId: number };

// Hash routes: the paths under `/` belong to the REST API (GET /rooms is JSON), so the app's own
// locations live after the `#`, which the browser never sends to the server.
function parse(hash: string): View {
  const match = /^#\/rooms\/(\d+)$/.exec(hash);
  return match ? { screen: 'room', roomId: Number(match[1]) } : { screen: 'rooms' };
}

function hashOf(view: View): string {
  return view.screen === 'room' ? `#/rooms/${view.roomId}` : '#/';
}

/** The current screen, kept in the URL's hash so reload and the back button work. */
export function useView(): [View, (view: View) => void] {
  const [view, setView] = useState(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setView(parse(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const go = useCallback((next: View) => {
    setView(next);
    if (location.hash !== hashOf(next)) location.hash = hashOf(next);
  }, []);
  return [view, go];
}

/** Signing out forgets where the last user was. */
export function clearView(): void {
  history.replaceState(null, '', location.pathname);
}
