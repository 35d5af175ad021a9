import { type MouseEvent, type PointerEvent as ReactPointerEvent, useEffect, useRef, useState } from 'react';
import { type ChatMessage, messagePreview, type PublicUser } from '@chat/contracts';
import { formatTime } from '../lib/time';
import { AttachmentList, PendingAttachments } from './Attachments';
import { DeleteConfirm, MessageActions } from './MessageActions';
import { MessageEditor } from './MessageEditor';
import { MessageText, ReplyQuote } from './MessageText';
import { EmojiPicker, ReactionChips } from './Reactions';
import type { PendingMessage, ShownMessage } from './timeline';

// How long a finger rests on a message before its actions open (there is no hover on a phone).
const LONG_PRESS_MS = 450;

const preview = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

/** What a message needs from the room around it. */
export interface MessageContext {
  me: PublicUser;
  /** The room's owner or an admin of it, or a site admin: may delete anyone's message. */
  moderator: boolean;
  /** A member's nickname, as far as the room knows it. */
  nameOf: (userId: number) => string | undefined;
  /** How many members have not read the message with this seq yet. */
  unread: (seq: number, senderId: number | null) => number;
  remove: (id: string) => void;
  /** Resolves to whether the edit was saved. */
  edit: (id: string, content: string) => Promise<boolean>;
  react: (id: string, emoji: string, on: boolean) => void;
  reply: (message: ChatMessage) => void;
  /** Brings the message with this seq into view (a quote was clicked). */
  show: (seq: number) => void;
}

interface Props {
  message: ShownMessage;
  room: MessageContext;
  /** The message opened from search or from a quote: highlighted for a moment. */
  focused: boolean;
}

export function MessageItem({ message, room, focused }: Props) {
  if (message.type === 'system' || !message.sender)
    return (
      <li className={focused ? 'system focused' : 'system'} data-seq={message.seq} tabIndex={-1}>
        {message.content}
      </li>
    );
  return <ChatItem message={message} sender={message.sender} room={room} focused={focused} />;
}

/** Who wrote a message, as a quote of it names them. */
function authorName(room: MessageContext, userId: number | null): string {
  if (userId === room.me.id) return 'You';
  return (userId !== null && room.nameOf(userId)) || 'Someone';
}

type Mode = 'reading' | 'editing' | 'confirming' | 'picking';

function ChatItem({ message, sender, room, focused }: Props & { sender: NonNullable<ChatMessage['sender']> }) {
  const { me } = room;
  const [mode, setMode] = useState<Mode>('reading');
  // The action button that opened the editor, the picker or the confirmation: focus returns to it.
  const opener = useRef<HTMLElement | null>(null);
  const open = (next: Mode) => (event: MouseEvent<HTMLElement>) => {
    opener.current = event.currentTarget;
    setMode(next);
  };
  const back = (restoreFocus = true) => {
    setMode('reading');
    if (restoreFocus) opener.current?.focus();
  };
  const touch = useTouchActions();
  const mine = sender.id === me.id;
  const mentionsMe = message.mentions.includes(me.id);
  const unread = room.unread(message.seq, sender.id);
  const label = preview(messagePreview(message.content, message.attachments));
  const classes = [
    'message',
    mine && 'mine',
    focused && 'focused',
    mentionsMe && 'mentions-me',
    mode === 'editing' && 'editing',
    touch.open && 'actions-open',
    message.deleted && 'deleted',
  ];

  return (
    <li className={classes.filter(Boolean).join(' ')} data-seq={message.seq} tabIndex={-1} {...touch.handlers}>
      <div className="meta">
        <span className="author">{mine ? 'You' : sender.nickname}</span>
        {sender.role === 'guest' && <span className="tag">guest</span>}
        <time dateTime={message.createdAt}>{formatTime(message.createdAt)}</time>
        {message.editedAt && !message.deleted && <span className="edited">(edited)</span>}
        {mentionsMe && <span className="sr-only">Mentions you.</span>}
        {unread > 0 && !message.deleted && (
          <span className="unread" title={`${unread} not read yet`}>
            {unread}
            <span className="sr-only"> not read yet</span>
          </span>
        )}
        {mine && !message.deleted && <span className="state">Sent</span>}
      </div>
      {message.deleted ? (
        <p className="content gone">Message deleted</p>
      ) : (
        <>
          {message.replyTo && <ReplyQuote quote={message.replyTo} author={authorName(room, message.replyTo.senderId)} onShow={room.show} />}
          {mode === 'editing' ? (
            <MessageEditor initial={message.content} onSave={(content) => room.edit(message.id, content)} onCancel={() => back()} />
          ) : (
            message.content && (
              <MessageText
                text={message.content}
                mentioned={message.mentions.flatMap((id) => (id === me.id ? [me.nickname] : (room.nameOf(id) ?? [])))}
                myName={me.nickname}
              />
            )
          )}
          {message.attachments.length > 0 && <AttachmentList attachments={message.attachments} />}
          <ReactionChips reactions={message.reactions} onToggle={(emoji, on) => room.react(message.id, emoji, on)} />
          {mode === 'confirming' && (
            <DeleteConfirm
              onConfirm={() => {
                back(false);
                room.remove(message.id);
              }}
              onCancel={() => back()}
            />
          )}
          <MessageActions
            label={label}
            canEdit={mine}
            canDelete={mine || room.moderator}
            onReact={open('picking')}
            onReply={() => room.reply(message)}
            onEdit={open('editing')}
            onDelete={open('confirming')}
          />
          {mode === 'picking' && (
            <EmojiPicker
              onPick={(emoji) => {
                back();
                const shown = message.reactions.find((r) => r.emoji === emoji);
                room.react(message.id, emoji, !shown?.me);
              }}
              onClose={back}
            />
          )}
        </>
      )}
    </li>
  );
}

/** A long press opens the message's actions on a touch screen; a touch elsewhere closes them. */
function useTouchActions() {
  const [open, setOpen] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const item = useRef<HTMLLIElement | null>(null);
  useEffect(() => {
    if (!open) return;
    const outside = (event: PointerEvent) => {
      if (!item.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);
  useEffect(() => () => clearTimeout(timer.current), []);
  const cancel = () => clearTimeout(timer.current);
  const handlers = {
    onPointerDown: (event: ReactPointerEvent<HTMLLIElement>) => {
      if (event.pointerType !== 'touch') return;
      item.current = event.currentTarget;
      cancel();
      timer.current = setTimeout(() => setOpen(true), LONG_PRESS_MS);
    },
    onPointerUp: cancel,
    onPointerCancel: cancel,
    // The press opened the actions: not the browser's own menu too.
    onContextMenu: (event: MouseEvent) => open && event.preventDefault(),
  };
  return { open, handlers };
}

interface PendingProps {
  pending: PendingMessage;
  room: MessageContext;
  onRetry: (pending: PendingMessage) => void;
}

export function PendingItem({ pending, room, onRetry }: PendingProps) {
  return (
    <li className={pending.error ? 'message mine failed' : 'message mine pending'}>
      <div className="meta">
        <span className="author">You</span>
        <span className="state">{pending.error ? 'Not sent' : 'Sending…'}</span>
      </div>
      {pending.replyTo && <ReplyQuote quote={pending.replyTo} author={authorName(room, pending.replyTo.senderId)} />}
      {pending.content && <p className="content">{pending.content}</p>}
      {pending.attachments.length > 0 && <PendingAttachments attachments={pending.attachments} />}
      {pending.error && (
        <p className="error">
          {pending.error}{' '}
          <button type="button" className="link" onClick={() => onRetry(pending)}>
            Retry
          </button>
        </p>
      )}
    </li>
  );
}
