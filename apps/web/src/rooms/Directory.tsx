import { useState } from 'react';
import type { DirectoryRoom } from '@chat/contracts';
import { describeError } from '../lib/api';
import { useSession } from '../shell/SessionContext';
import { Field } from '../ui/Field';
import { useTypedSearch } from '../ui/useTypedSearch';

/** The public room directory: search, page on, join. */
export function Directory({ myRoomIds, onOpen }: { myRoomIds: Set<number>; onOpen: (roomId: number) => void }) {
  const { api, notify } = useSession();
  const [query, setQuery] = useState('');
  const [page, setPage, error] = useTypedSearch((q) => api.directory(q, null), query);

  const more = async () => {
    if (!page?.nextCursor) return;
    try {
      const next = await api.directory(query.trim(), page.nextCursor);
      setPage({ items: [...page.items, ...next.items], nextCursor: next.nextCursor });
    } catch (e) {
      notify(describeError(e));
    }
  };

  const join = async (room: DirectoryRoom) => {
    try {
      await api.joinRoom(room.id);
      onOpen(room.id);
    } catch (e) {
      notify(`Could not join ${room.name}: ${describeError(e)}`);
    }
  };

  return (
    <section className="panel" aria-labelledby="directory-heading">
      <h2 id="directory-heading">Public rooms</h2>
      <Field label="Search public rooms" type="search" value={query} onChange={(e) => setQuery(e.target.value)} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {page?.items.length === 0 && <p className="muted">No public rooms match.</p>}
      <ul className="directory">
        {page?.items.map((room) => (
          <li key={room.id}>
            <span className="room-name">{room.name}</span>
            <span className="muted">
              {room.memberCount} {room.memberCount === 1 ? 'member' : 'members'}
            </span>
            {myRoomIds.has(room.id) ? (
              <button type="button" onClick={() => onOpen(room.id)} aria-label={`Open ${room.name}`}>
                Open
              </button>
            ) : (
              <button type="button" className="primary" onClick={() => void join(room)} aria-label={`Join ${room.name}`}>
                Join
              </button>
            )}
          </li>
        ))}
      </ul>
      {page?.nextCursor && (
        <button type="button" onClick={() => void more()}>
          More rooms
        </button>
      )}
    </section>
  );
}
