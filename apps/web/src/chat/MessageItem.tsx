import { type ChatMessage, messagePreview, type PublicUser } from '@chat/contracts';
import { formatTime } from '../lib/time';
import { AttachmentList, PendingAttachments } from './Attachments';
import type { PendingMessage } from './timeline';

const preview = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

interface Props {
  message: ChatMessage;
  me: PublicUser;
  /** The message opened from search: highlighted for a moment. */
  focused: boolean;
  onDelete: (id: string) => void;
}

export function MessageItem({ message, me, focused, onDelete }: Props) {
  if (message.type === 'system' || !message.sender)
    return (
      <li className={focused ? 'system focused' : 'system'} data-seq={message.seq} tabIndex={-1}>
        {message.content}
      </li>
    );
  const mine = message.sender.id === me.id;
  // Older servers (and the copy made from an ack) may leave the field out.
  const attachments = message.attachments ?? [];
  const classes = ['message', mine && 'mine', focused && 'focused'].filter(Boolean).join(' ');
  return (
    <li className={classes} data-seq={message.seq} tabIndex={-1}>
      <div className="meta">
        <span className="author">{mine ? 'You' : message.sender.nickname}</span>
        {message.sender.role === 'guest' && <span className="tag">guest</span>}
        <time dateTime={message.createdAt}>{formatTime(message.createdAt)}</time>
        {mine && <span className="state">Sent</span>}
        {mine && (
          <button
            type="button"
            className="link delete"
            aria-label={`Delete message: ${preview(messagePreview(message.content, attachments))}`}
            onClick={() => onDelete(message.id)}
          >
            Delete
          </button>
        )}
      </div>
      {message.content && <p className="content">{message.content}</p>}
      {attachments.length > 0 && <AttachmentList attachments={attachments} />}
    </li>
  );
}

export function PendingItem({ pending, onRetry }: { pending: PendingMessage; onRetry: (pending: PendingMessage) => void }) {
  return (
    <li className={pending.error ? 'message mine failed' : 'message mine pending'}>
      <div className="meta">
        <span className="author">You</span>
        <span className="state">{pending.error ? 'Not sent' : 'Sending…'}</span>
      </div>
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
