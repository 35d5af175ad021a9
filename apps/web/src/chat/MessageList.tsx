import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import { type MessageContext, MessageItem, PendingItem } from './MessageItem';
import { type PendingMessage, type Timeline, timelineItems } from './timeline';

interface Props {
  timeline: Timeline;
  room: MessageContext;
  onRetry: (pending: PendingMessage) => void;
  onLoadOlder: () => void;
  onLoadNewer: () => void;
  onJumpToLatest: () => void;
}

// Within this many pixels of the bottom, the view follows new messages.
const FOLLOW_PX = 48;
// The next older page is asked for this far before the top, so scrolling back seldom waits for it.
const NEAR_TOP_PX = 600;
// How long a message opened from search stays highlighted.
const HIGHLIGHT_MS = 3_000;

export function MessageList({ timeline, room, onRetry, onLoadOlder, onLoadNewer, onJumpToLatest }: Props) {
  const list = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const before = useRef({ firstId: undefined as string | undefined, height: 0, highestSeq: 0, pending: 0 });
  const focused = useRef<number | null>(null);
  const [highlight, setHighlight] = useState<{ seq: number; key: number } | null>(null);
  // Messages came in below while the reader was further up: the "new messages" pill.
  const [unseen, setUnseen] = useState(false);
  const items = timelineItems(timeline);
  const firstId = timeline.messages[0]?.id;
  const detached = timeline.newerCursor !== null;
  const canLoadOlder = timeline.loaded && timeline.olderCursor !== null;

  // Keeps the reader's place: at the bottom while following the live end, on the same message when
  // older ones are prepended, and on a message opened from search.
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const last = before.current;
    // My own message is shown as it goes, wherever the reader was.
    if (timeline.pending.length > last.pending) follow.current = true;
    const arrived = last.highestSeq > 0 && timeline.highestSeq > last.highestSeq;
    const prepended = last.firstId !== undefined && firstId !== last.firstId && el.scrollHeight > last.height;
    if (follow.current && !detached) el.scrollTop = el.scrollHeight;
    else if (prepended) el.scrollTop += el.scrollHeight - last.height;
    if (arrived && !follow.current && !detached) setUnseen(true);
    before.current = { firstId, height: el.scrollHeight, highestSeq: timeline.highestSeq, pending: timeline.pending.length };

    const focus = timeline.focus;
    if (focus && focus.key !== focused.current) {
      const target = el.querySelector<HTMLElement>(`[data-seq="${focus.seq}"]`);
      if (target) {
        focused.current = focus.key;
        follow.current = false;
        target.scrollIntoView({ block: 'center' });
        // Keyboard and screen reader users land on it too.
        target.focus({ preventScroll: true });
        setHighlight(focus);
      }
    }
    // A page that does not fill the list, or a reader already near the top: read on back.
    if (canLoadOlder && el.scrollTop < NEAR_TOP_PX) onLoadOlder();
  });

  useEffect(() => {
    if (!highlight) return;
    const timer = setTimeout(() => setHighlight(null), HIGHLIGHT_MS);
    return () => clearTimeout(timer);
  }, [highlight]);

  const onScroll = () => {
    const el = list.current;
    if (!el) return;
    follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < FOLLOW_PX;
    if (follow.current) setUnseen(false);
    if (canLoadOlder && el.scrollTop < NEAR_TOP_PX) onLoadOlder();
  };

  const toBottom = () => {
    const el = list.current;
    if (!el) return;
    follow.current = true;
    el.scrollTop = el.scrollHeight;
    setUnseen(false);
  };

  return (
    <div className="messages-pane">
      <div className="messages" ref={list} onScroll={onScroll}>
        {/* Not a button: it is reached only by scrolling up, which has asked for the page already. */}
        {canLoadOlder && <p className="older muted">Loading older messages…</p>}
        {timeline.loaded && timeline.olderCursor === null && <p className="start muted">This is the start of the conversation.</p>}
        {!timeline.loaded && <p className="muted">Loading messages…</p>}
        <div role="log" aria-label="Messages" aria-live="polite">
          <ol>
            {items.map((item) => {
              switch (item.kind) {
                case 'message':
                  return (
                    <MessageItem key={item.message.id} message={item.message} room={room} focused={highlight?.seq === item.message.seq} />
                  );
                case 'notice':
                  return (
                    <li key={`notice-${item.notice.key}`} className="notice">
                      {item.notice.text}
                    </li>
                  );
                case 'pending':
                  return <PendingItem key={item.pending.clientMsgId} pending={item.pending} room={room} onRetry={onRetry} />;
              }
            })}
          </ol>
        </div>
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
      {unseen && (
        <button type="button" className="pill" onClick={toBottom}>
          New messages <span aria-hidden="true">↓</span>
        </button>
      )}
    </div>
  );
}
