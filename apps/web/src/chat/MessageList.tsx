import { useLayoutEffect, useRef } from 'react';
import type { PublicUser } from '@chat/contracts';
import { MessageItem, PendingItem } from './MessageItem';
import { type PendingMessage, type Timeline, timelineItems } from './timeline';

interface Props {
  timeline: Timeline;
  me: PublicUser;
  onDelete: (id: string) => void;
  onRetry: (pending: PendingMessage) => void;
  onLoadOlder: () => void;
}

// Within this many pixels of the bottom, the view follows new messages.
const FOLLOW_PX = 48;

export function MessageList({ timeline, me, onDelete, onRetry, onLoadOlder }: Props) {
  const list = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const before = useRef({ firstId: undefined as string | undefined, height: 0 });
  const items = timelineItems(timeline);
  const firstId = timeline.messages[0]?.id;

  // Keeps the reader's place: at the bottom while following, on the same message when older ones are prepended.
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const prepended = before.current.firstId !== undefined && firstId !== before.current.firstId && el.scrollHeight > before.current.height;
    if (follow.current) el.scrollTop = el.scrollHeight;
    else if (prepended) el.scrollTop += el.scrollHeight - before.current.height;
    before.current = { firstId, height: el.scrollHeight };
  });

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
              return <MessageItem key={item.message.id} message={item.message} me={me} onDelete={onDelete} />;
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
    </div>
  );
}
