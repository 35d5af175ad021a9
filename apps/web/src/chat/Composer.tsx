import { type ClipboardEvent, type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { type ChatMessage, type MemberView, messagePreview } from '@chat/contracts';
import { PaperclipIcon } from '../ui/icons';
import { composing, isSubmitEnter } from './keys';
import { MENTION_LIST_ID, mentionOptionId, MentionPicker } from './MentionPicker';
import { mentionCandidates, mentionedIds, mentionQuery } from './mentions';
import { type Draft, quoteOf } from './timeline';
import { UploadTray } from './UploadTray';
import type { Uploads } from './useUploads';

const MAX_LENGTH = 4_000;

/** The message a reply is being written to, and who wrote it. */
export interface ReplyTarget {
  message: ChatMessage;
  author: string;
}

interface Props {
  uploads: Uploads;
  /** Who can be `@mentioned`. */
  members: MemberView[];
  myId: number;
  replyingTo: ReplyTarget | null;
  onCancelReply: () => void;
  onSend: (draft: Draft) => void;
  onTyping: () => void;
  onStopTyping: () => void;
}

/**
 * Enter sends, Shift+Enter starts a new line; files come from the attach button, a paste or a drop
 * on the room; `@` offers the room's members to mention.
 */
export function Composer({ uploads, members, myId, replyingTo, onCancelReply, onSend, onTyping, onStopTyping }: Props) {
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const field = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const content = text.trim();
  const canSend = content !== '' || uploads.ready;
  const mention = useMentionPicker(text, caret, members, myId);

  // Where the caret goes once a picked mention is in the text.
  const nextCaret = useRef<number | null>(null);
  useLayoutEffect(() => {
    if (nextCaret.current === null) return;
    field.current?.setSelectionRange(nextCaret.current, nextCaret.current);
    nextCaret.current = null;
  });

  // Answering a message: the next thing to do is write.
  useEffect(() => {
    if (replyingTo) field.current?.focus();
  }, [replyingTo]);

  const change = (value: string, at: number) => {
    setText(value);
    setCaret(at);
    if (value) onTyping();
    else onStopTyping();
  };

  const send = () => {
    if (!canSend) return;
    // Files still uploading stay for the next message.
    onSend({
      content,
      attachments: uploads.take(),
      replyTo: replyingTo && quoteOf(replyingTo.message),
      mentions: mentionedIds(content, members, myId),
    });
    onCancelReply();
    change('', 0);
  };

  const pick = (member: MemberView) => {
    if (!mention.query) return;
    const inserted = `@${member.nickname} `;
    const value = text.slice(0, mention.query.start) + inserted + text.slice(caret);
    nextCaret.current = mention.query.start + inserted.length;
    change(value, nextCaret.current);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (mention.open && !composing(event)) {
      const handled = mention.key(event);
      if (handled === 'pick') pick(mention.candidates[mention.active]);
      if (handled) return event.preventDefault();
    }
    if (event.key === 'Escape' && replyingTo) {
      event.preventDefault();
      onCancelReply();
    } else if (isSubmitEnter(event)) {
      event.preventDefault();
      send();
    }
  };

  // A pasted screenshot arrives as a file alone; a paste that also has text (from a document) stays text.
  const onPaste = (event: ClipboardEvent<HTMLTextAreaElement>) => {
    const files = Array.from(event.clipboardData.files);
    if (files.length === 0 || event.clipboardData.types.includes('text/plain')) return;
    event.preventDefault();
    uploads.add(files);
  };

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      {replyingTo && (
        <div className="replying">
          <p className="replying-text">
            <span className="muted">Replying to </span>
            <strong>{replyingTo.author}</strong>
            <span className="quote-text">{messagePreview(replyingTo.message.content, replyingTo.message.attachments)}</span>
          </p>
          <button type="button" className="icon" aria-label="Cancel reply" title="Cancel reply" onClick={onCancelReply}>
            ×
          </button>
        </div>
      )}
      {uploads.items.length > 0 && <UploadTray uploads={uploads} />}
      {mention.open && <MentionPicker candidates={mention.candidates} active={mention.active} onPick={pick} />}
      <div className="composer-row">
        <button type="button" className="attach" aria-label="Attach files" title="Attach files" onClick={() => picker.current?.click()}>
          <PaperclipIcon />
        </button>
        <input
          ref={picker}
          type="file"
          multiple
          hidden
          onChange={(event) => {
            uploads.add(Array.from(event.target.files ?? []));
            // The same file may be picked again after it was removed.
            event.target.value = '';
          }}
        />
        <label htmlFor="composer-text" className="sr-only">
          Message
        </label>
        <span id="composer-hint" className="sr-only">
          Enter sends, Shift+Enter starts a new line, @ mentions a member.
        </span>
        <textarea
          id="composer-text"
          ref={field}
          rows={2}
          value={text}
          maxLength={MAX_LENGTH}
          placeholder="Write a message…"
          aria-describedby="composer-hint"
          aria-autocomplete="list"
          aria-controls={mention.open ? MENTION_LIST_ID : undefined}
          aria-activedescendant={mention.open ? mentionOptionId(mention.candidates[mention.active].userId) : undefined}
          onChange={(event) => change(event.target.value, event.target.selectionStart)}
          onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          onBlur={onStopTyping}
        />
        <button type="submit" className="primary" disabled={!canSend}>
          Send
        </button>
      </div>
    </form>
  );
}

/** The `@…` before the caret and the members it matches; Escape puts the list away until the next `@`. */
function useMentionPicker(text: string, caret: number, members: MemberView[], myId: number) {
  const query = mentionQuery(text, caret);
  const candidates = query ? mentionCandidates(members, query.query, myId) : [];
  const [active, setActive] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number | null>(null);
  // A new query starts at the top of its list.
  const [shownFor, setShownFor] = useState('');
  const key = query ? `${query.start}:${query.query}` : '';
  if (key !== shownFor) {
    setShownFor(key);
    setActive(0);
  }
  const open = candidates.length > 0 && dismissedAt !== query?.start;
  const current = Math.min(active, candidates.length - 1);

  /** What a key does while the list is open: moves through it, picks, closes it, or nothing. */
  const keyOf = (event: KeyboardEvent): 'pick' | boolean => {
    switch (event.key) {
      case 'ArrowDown':
        setActive((current + 1) % candidates.length);
        return true;
      case 'ArrowUp':
        setActive((current - 1 + candidates.length) % candidates.length);
        return true;
      case 'Enter':
      case 'Tab':
        return event.shiftKey ? false : 'pick';
      case 'Escape':
        setDismissedAt(query?.start ?? null);
        return true;
      default:
        return false;
    }
  };

  return { query, candidates, active: current, open, key: keyOf };
}
