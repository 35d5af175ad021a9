import type { ChatMessage, PublicUser } from '@chat/contracts';
import { formatTime } from '../lib/time';
import type { PendingMessage } from './timeline';

const preview = (text: string) => (text.length > 40 ? `${text.slice(0, 40)}…` : text);

export function MessageItem({ message, me, onDelete }: { message: ChatMessage; me: PublicUser; onDelete: (id: string) => void }) {
  if (message.type === 'system' || !message.sender) return <li className="system">{message.content}</li>;
  const mine = message.sender.id === me.id;
  return (
    <li className={mine ? 'message mine' : 'message'}>
      <div className="meta">
        <span className="author">{mine ? 'You' : message.sender.nickname}</span>
        {message.sender.role === 'guest' && <span className="tag">guest</span>}
        <time dateTime={message.createdAt}>{formatTime(message.createdAt)}</time>
        {mine && <span className="state">Sent</span>}
        {mine && (
          <button
            type="button"
            className="link delete"
            aria-label={`Delete message: ${preview(message.content)}`}
            onClick={() => onDelete(message.id)}
          >
            Delete
          </button>
        )}
      </div>
      <p className="content">{message.content}</p>
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
      <p className="content">{pending.content}</p>
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
