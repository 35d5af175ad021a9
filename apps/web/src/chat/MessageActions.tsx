import type { KeyboardEvent, MouseEvent } from 'react';
import { PencilIcon, ReplyIcon, SmileIcon, TrashIcon } from '../ui/icons';

type Click = (event: MouseEvent<HTMLElement>) => void;

interface Props {
  /** The message's opening words: each button names the message it acts on. */
  label: string;
  canEdit: boolean;
  canDelete: boolean;
  onReact: Click;
  onReply: () => void;
  onEdit: Click;
  onDelete: Click;
}

/** What can be done with a message: shown on hover, on keyboard focus, and after a long press. */
export function MessageActions({ label, canEdit, canDelete, onReact, onReply, onEdit, onDelete }: Props) {
  return (
    <div className="actions">
      <button type="button" aria-label={`React to message: ${label}`} title="React" onClick={onReact}>
        <SmileIcon />
      </button>
      <button type="button" aria-label={`Reply to message: ${label}`} title="Reply" onClick={onReply}>
        <ReplyIcon />
      </button>
      {canEdit && (
        <button type="button" aria-label={`Edit message: ${label}`} title="Edit" onClick={onEdit}>
          <PencilIcon />
        </button>
      )}
      {canDelete && (
        <button type="button" className="danger" aria-label={`Delete message: ${label}`} title="Delete" onClick={onDelete}>
          <TrashIcon />
        </button>
      )}
    </div>
  );
}

/** Asks before a message is deleted for everyone; Escape keeps it. */
export function DeleteConfirm({ onConfirm, onCancel }: { onConfirm: () => void; onCancel: () => void }) {
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'Escape') return;
    event.stopPropagation();
    onCancel();
  };
  return (
    <div className="confirm" role="group" aria-label="Delete this message?" onKeyDown={onKeyDown}>
      <span>Delete this message for everyone?</span>
      <button type="button" className="danger" onClick={onConfirm}>
        Yes, delete
      </button>
      <button type="button" onClick={onCancel} autoFocus>
        Cancel
      </button>
    </div>
  );
}
