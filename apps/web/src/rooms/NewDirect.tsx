import { useState } from 'react';
import type { ContactView } from '@chat/contracts';
import { describeError } from '../lib/api';
import { useSession } from '../shell/SessionContext';
import { ContactPicker } from './ContactPicker';

/** A two-person conversation with someone I share a room with: the existing one, or a new private room. */
export function NewDirect({ onOpen }: { onOpen: (roomId: number) => void }) {
  const { api, user } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const start = async (contact: ContactView) => {
    setBusy(true);
    setError(null);
    try {
      onOpen((await api.directRoom(contact.id)).id);
    } catch (e) {
      setError(`Could not start a conversation with ${contact.nickname}: ${describeError(e)}`);
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="direct-heading">
      <h2 id="direct-heading">Direct message</h2>
      {user.role === 'guest' ? (
        <p className="muted">Guests cannot start conversations: create an account to write to someone directly.</p>
      ) : (
        <ContactPicker
          label="Find someone you share a room with"
          action="Message"
          actionLabel={(c) => `Message ${c.nickname}`}
          disabled={busy}
          onPick={(c) => void start(c)}
        />
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
