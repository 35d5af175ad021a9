import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { PublicUser } from '@chat/contracts';
import { MessageItem, PendingItem } from './MessageItem';
import { type PendingMessage, type Timeline, timelineItems } from './timeline';

interface Props {
  timeline: Timeline;
  me: PublicUser;
  onDelete: (id: string) => void;
  onRetry: (pending: PendingMessage) => void;
  onLoadOlder: () => void;
  onLoadNewer: () => void;
  onJumpToLatest: () => void;
}

// Within this many pixels of the bottom, the view follows new messages.
const FOLLOW_PX = 48;
// How long a message opened from search stays highlighted.
const HIGHLIGHT_MS = 3_000;

export function MessageList({ timeline, me, onDelete, onRetry, onLoadOlder, onLoadNewer, onJumpToLatest }: Props) {
  const list = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const before = useRef({ firstId: undefined as string | undefined, height: 0 });
  const focused = useRef<number | null>(null);
  const [highlight, setHighlight] = useState<{ seq: number; key: number } | null>(null);
  const items = timelineItems(timeline);
  const firstId = timeline.messages[0]?.id;
  const detached = timeline.newerCursor !== null;

  // Keeps the reader's place: at the bottom while following the live end, on the same message when
  // older ones are prepended, and on a message opened from search.
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const prepended = before.current.firstId !== undefined && firstId !== before.current.firstId && el.scrollHeight > before.current.height;
    if (follow.current && !detached) el.scrollTop = el.scrollHeight;
    else if (prepended) el.scrollTop += el.scrollHeight - before.current.height;
    before.current = { firstId, height: el.scrollHeight };

    const focus = timeline.focus;
    if (!focus || focus.key === focused.current) return;
    const target = el.querySelector<HTMLElement>(`[data-seq="${focus.seq}"]`);
    if (!target) return;
    focused.current = focus.key;
    follow.current = false;
    target.scrollIntoView({ block: 'center' });
    // Keyboard and screen reader users land on it too.
    target.focus({ preventScroll: true });
    setHighlight(focus);
  });

  useEffect(() => {
    if (!highlight) return;
    const timer = setTimeout(() => setHighlight(null), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [highlight]);

  const onScroll = () => {
    const el = list.current;
    if (el) follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < FOLLOW_PX;
  };

  return (
    <div className="messages" ref={list} onScroll={onScroll}>
      {timeline.olderCursor !== null && (
        <button type="button" className="older" onClick={onLoadOlder}>
          Load older messages
        </button>
      )}
      {timeline.loaded && timeline.olderCursor === null && <p className="start muted">This is the start of the conversation.</p>}
      {!timeline.loaded && <p className="muted">Loading messages…</p>}
      <ol role="log" aria-label="Messages" aria-live="polite">
        {items.map((item) => {
          switch (item.kind) {
            case 'message':
              return (
                <MessageItem
                  key={item.message.id}
                  message={item.message}
                  me={me}
                  focused={highlight?.seq === item.message.seq}
                  onDelete={onDelete}
                />
              );
            case 'notice':
              return (
                <li key={`notice-${item.notice.key}`} className="notice">
                  {item.notice.text}
                </li>
              );
            case 'pending':
              return <PendingItem key={item.pending.clientMsgId} pending={item.pending} onRetry={onRetry} />;
          }
        })}
      </ol>
      {detached && (
        <div className="newer">
          <button
            type="button"
            onClick={() => {
              // Stay on the page just read rather than skipping to the end of the new one.
              follow.current = false;
              onLoadNewer();
            }}
          >
            Load newer messages
          </button>
          <button
            type="button"
            className="link"
            onClick={() => {
              follow.current = true;
              onJumpToLatest();
            }}
          >
            Jump to latest
          </button>
        </div>
      )}
    </div>
  );
}
