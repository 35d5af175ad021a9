import { type KeyboardEvent, useState } from 'react';

const MAX_LENGTH = 4_000;

interface Props {
  onSend: (content: string) => void;
  onTyping: () => void;
  onStopTyping: () => void;
}

/** Enter sends, Shift+Enter starts a new line. */
export function Composer({ onSend, onTyping, onStopTyping }: Props) {
  const [text, setText] = useState('');
  const content = text.trim();

  const send = () => {
    if (!content) return;
    onSend(content);
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

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
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
        onBlur={onStopTyping}
      />
      <button type="submit" className="primary" disabled={!content}>
        Send
      </button>
    </form>
  );
}
