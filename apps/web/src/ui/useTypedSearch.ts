import { type Dispatch, type SetStateAction, useEffect, useState } from 'react';
import { describeError } from '../lib/api';

/** How long typing pauses before a search field asks the server. */
export const SEARCH_DELAY_MS = 300;

/**
 * The answer to what a search field holds: `load(query)` once typing pauses, only the latest
 * answer kept (an earlier, slower one never overwrites it). Not before `enabled`; again whenever
 * `trigger` changes. The setter lets a caller extend the answer (a next page).
 */
export function useTypedSearch<T>(
  load: (query: string) => Promise<T>,
  query: string,
  { enabled = true, trigger }: { enabled?: boolean; trigger?: unknown } = {},
): [T | null, Dispatch<SetStateAction<T | null>>, string | null] {
  const [result, setResult] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!enabled) return;
    let current = true;
    const timer = setTimeout(() => {
      load(query.trim()).then(
        (answer) => {
          if (!current) return;
          setResult(answer);
          setError(null);
        },
        (e: unknown) => current && setError(describeError(e)),
      );
    }, SEARCH_DELAY_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
    // Not `load`: the caller's closure over the api is a new function each render, the same request.
  }, [query, enabled, trigger]);

  return [result, setResult, error];
}
