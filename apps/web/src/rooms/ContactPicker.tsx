import { useState } from 'react';
import type { ContactView } from '@chat/contracts';
import { useSession } from '../shell/SessionContext';
import { Field } from '../ui/Field';
import { useTypedSearch } from '../ui/useTypedSearch';

interface Props {
  label: string;
  /** The name of the button that picks a person, e.g. "Message Ann". */
  actionLabel: (contact: ContactView) => string;
  action: string;
  onPick: (contact: ContactView) => void;
  /** People not to offer (already members). */
  exclude?: ReadonlySet<number>;
  disabled?: boolean;
}

/** People I share a room with, found by nickname as it is typed. */
export function ContactPicker({ label, actionLabel, action, onPick, exclude, disabled }: Props) {
  const { api } = useSession();
  const [query, setQuery] = useState('');
  // Read when the field is focused (who shares a room with me changes as rooms do) and as it is typed in.
  const [asked, setAsked] = useState(0);
  const [page, , error] = useTypedSearch((q) => api.contacts(q), query, { enabled: asked > 0, trigger: asked });
  const contacts = page?.items;

  const shown = contacts?.filter((c) => !exclude?.has(c.id));
  return (
    <div className="contacts">
      <Field
        label={label}
        type="search"
        value={query}
        autoComplete="off"
        onFocus={() => setAsked((n) => n + 1)}
        onChange={(e) => setQuery(e.target.value)}
      />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {shown?.length === 0 && (
        <p className="muted">
          {query.trim() ? 'Nobody by that name shares a room with you.' : 'Nobody to show yet: people appear here once you share a room.'}
        </p>
      )}
      <ul className="contact-list">
        {shown?.map((contact) => (
          <li key={contact.id}>
            <span className="nickname">{contact.nickname}</span>
            <span className="muted">#{contact.id}</span>
            {contact.role === 'guest' && <span className="tag">guest</span>}
            <button type="button" disabled={disabled} aria-label={actionLabel(contact)} onClick={() => onPick(contact)}>
              {action}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
