import { type KeyboardEvent, useEffect, useRef, useState } from 'react';
import { isSubmitEnter } from './keys';

const MAX_LENGTH = 4_000;

interface Props {
  initial: string;
  /** Resolves to whether the edit was saved; the editor stays open when it was not. */
  onSave: (content: string) => Promise<boolean>;
  onCancel: () => void;
}

/** A message's text, edited in place: Enter saves, Shift+Enter starts a new line, Escape cancels. */
export function MessageEditor({ initial, onSave, onCancel }: Props) {
  const [text, setText] = useState(initial);
  const [saving, setSaving] = useState(false);
  const field = useRef<HTMLTextAreaElement>(null);
  const content = text.trim();

  // Focus with the caret at the end, where an edit usually goes.
  useEffect(() => {
    const el = field.current;
    el?.focus();
    el?.setSelectionRange(el.value.length, el.value.length);
  }, []);

  const save = async () => {
    if (saving || content === '') return;
    if (content === initial) return onCancel();
    setSaving(true);
    const saved = await onSave(content);
    setSaving(false);
    if (saved) onCancel();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      onCancel();
    } else if (isSubmitEnter(event)) {
      event.preventDefault();
      void save();
    }
  };

  return (
    <div className="editor">
      <textarea
        aria-label="Edit message"
        value={text}
        maxLength={MAX_LENGTH}
        rows={Math.min(6, text.split('\n').length + 1)}
        ref={field}
        onChange={(event) => setText(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="editor-bar">
        <span className="muted">Enter to save, Escape to cancel</span>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="primary" disabled={saving || content === ''} onClick={() => void save()}>
          Save
        </button>
      </div>
    </div>
  );
}
