import { useCallback, useEffect, useState } from 'react';
import type { ChatMessage } from '@chat/contracts';
import { describeError } from '../lib/api';
import { useSession } from '../shell/SessionContext';

export const MIN_QUERY = 2;
export const MAX_QUERY = 100;
const SEARCH_DELAY_MS = 300;

export interface SearchState {
  /** The query these results are for. */
  q: string;
  messages: ChatMessage[];
  nextCursor: string | null;
  loading: boolean;
  error: string | null;
}

const idle = (q: string): SearchState => ({ q, messages: [], nextCursor: null, loading: false, error: null });

/** Messages matching `query` (in one room, or in all of mine), newest first, read as the user stops typing. */
export function useMessageSearch(query: string, roomId: number | null) {
  const { api } = useSession();
  const q = query.trim();
  const [state, setState] = useState<SearchState>(() => idle(q));

  useEffect(() => {
    if (q.length < MIN_QUERY) return setState(idle(q));
    let current = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    const timer = setTimeout(() => {
      api.search({ q, roomId }).then(
        (page) => current && setState({ q, messages: page.messages, nextCursor: page.nextCursor, loading: false, error: null }),
        (e: unknown) => current && setState({ ...idle(q), error: describeError(e) }),
      );
    }, SEARCH_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, q, roomId]);

  const more = useCallback(async () => {
    if (state.nextCursor === null || state.loading) return;
    const { q: shown, nextCursor } = state;
    setState((s) => ({ ...s, loading: true }));
    try {
      const page = await api.search({ q: shown, roomId, cursor: nextCursor });
      setState((s) =>
        s.q === shown ? { ...s, messages: [...s.messages, ...page.messages], nextCursor: page.nextCursor, loading: false } : s,
      );
    } catch (e) {
      setState((s) => (s.q === shown ? { ...s, loading: false, error: describeError(e) } : s));
    }
  }, [api, roomId, state]);

  return { ...state, more };
}
