import { type ClipboardEvent, type KeyboardEvent, useRef, useState } from 'react';
import type { StoredAttachment } from '@chat/contracts';
import { PaperclipIcon } from '../ui/icons';
import { UploadTray } from './UploadTray';
import type { Uploads } from './useUploads';

const MAX_LENGTH = 4_000;

interface Props {
  uploads: Uploads;
  onSend: (content: string, attachments: StoredAttachment[]) => void;
  onTyping: () => void;
  onStopTyping: () => void;
}

/** Enter sends, Shift+Enter starts a new line; files come from the attach button, a paste or a drop on the room. */
export function Composer({ uploads, onSend, onTyping, onStopTyping }: Props) {
  const [text, setText] = useState('');
  const picker = useRef<HTMLInputElement>(null);
  const content = text.trim();
  const canSend = content !== '' || uploads.ready;

  const send = () => {
    if (!canSend) return;
    // Files still uploading stay for the next message.
    onSend(content, uploads.take());
    onStopTyping();
    setText('');
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // isComposing: Enter that confirms an IME candidate (Japanese, Chinese…) is not a send.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
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
      {uploads.items.length > 0 && <UploadTray uploads={uploads} />}
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
        <textarea
          id="composer-text"
          rows={2}
          value={text}
          maxLength={MAX_LENGTH}
          placeholder="Write a message… (Enter to send, Shift+Enter for a new line)"
          onChange={(event) => {
            setText(event.target.value);
            if (event.target.value) onTyping();
            else onStopTyping();
          }}
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
