import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { type ChatMessage, messagePreview } from '@chat/contracts';
import { formatTime } from '../lib/time';
import { excerpt, Highlight } from './highlight';
import { MAX_QUERY, MIN_QUERY, type SearchState, useMessageSearch } from './useMessageSearch';
import { useRoomNames } from './useRoomNames';

interface Props {
  /** The search box's label, also its placeholder. */
  label: string;
  /** One room to search, or null for all of mine. */
  room: { id: number; name: string } | null;
  onPick: (message: ChatMessage) => void;
}

/**
 * A search box with its results below it. Arrow keys move between the box and the results,
 * Escape closes them, and picking one hands its message to `onPick`.
 */
export function MessageSearch({ label, room, onPick }: Props) {
  const id = useId();
  const [query, setQuery] = useState('');
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const input = useRef<HTMLInputElement>(null);
  const search = useMessageSearch(query, room?.id ?? null);
  const names = useRoomNames(open && room === null);
  const roomName = (roomId: number) => (room?.id === roomId ? room.name : (names.get(roomId) ?? `Room #${roomId}`));
  const showResults = open && query.trim() !== '';

  // A click anywhere else closes the results; the query stays for next time.
  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!box.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape' && showResults) {
      event.preventDefault();
      setOpen(false);
      input.current?.focus();
      return;
    }
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const stops = [input.current, ...(box.current?.querySelectorAll<HTMLElement>('.result') ?? [])].filter((el) => el !== null);
    const at = stops.indexOf(document.activeElement as HTMLElement);
    if (at === -1 || stops.length < 2) return;
    event.preventDefault();
    stops[(at + (event.key === 'ArrowDown' ? 1 : stops.length - 1)) % stops.length].focus();
  };

  const pick = (message: ChatMessage) => {
    setOpen(false);
    onPick(message);
  };

  return (
    <div className="search" ref={box} role="search" aria-label={label} onKeyDown={onKeyDown}>
      <label htmlFor={id} className="sr-only">
        {label}
      </label>
      <input
        ref={input}
        id={id}
        type="search"
        placeholder={`${label}…`}
        value={query}
        maxLength={MAX_QUERY}
        autoComplete="off"
        aria-controls={showResults ? `${id}-results` : undefined}
        onChange={(event) => {
          setQuery(event.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
      />
      {showResults && <SearchResults id={`${id}-results`} search={search} roomName={roomName} onPick={pick} />}
    </div>
  );
}

interface ResultsProps {
  id: string;
  search: SearchState & { more: () => Promise<void> };
  roomName: (roomId: number) => string;
  onPick: (message: ChatMessage) => void;
}

function statusText({ q, messages, nextCursor, loading }: SearchState): string {
  if (q.length < MIN_QUERY) return `Type at least ${MIN_QUERY} characters.`;
  if (loading && messages.length === 0) return 'Searching…';
  if (messages.length === 0) return 'No messages match.';
  return `${messages.length}${nextCursor !== null ? '+' : ''} ${messages.length === 1 ? 'message' : 'messages'}`;
}

function SearchResults({ id, search, roomName, onPick }: ResultsProps) {
  return (
    <section id={id} className="search-results" aria-label="Search results">
      <p className="muted" role="status">
        {statusText(search)}
      </p>
      {search.error && (
        <p className="error" role="alert">
          {search.error}
        </p>
      )}
      <ul>
        {search.messages.map((m) => (
          <li key={m.id}>
            <button type="button" className="result" onClick={() => onPick(m)}>
              <span className="result-meta">
                <span className="room-name">{roomName(m.roomId)}</span>
                <span className="author">{m.sender?.nickname ?? 'System'}</span>
                <time dateTime={m.createdAt}>{formatTime(m.createdAt)}</time>
              </span>
              <span className="result-text">
                <Highlight text={excerpt(messagePreview(m.content, m.attachments), search.q)} query={search.q} />
              </span>
            </button>
          </li>
        ))}
      </ul>
      {search.nextCursor !== null && (
        <button type="button" className="more" disabled={search.loading} onClick={() => void search.more()}>
          {search.loading ? 'Loading…' : 'More results'}
        </button>
      )}
    </section>
  );
}
