import type { MemberView } from '@chat/contracts';

export function MemberList({ members, myId }: { members: MemberView[]; myId: number }) {
  const online = members.filter((m) => m.online).length;
  return (
    <aside className="members" aria-labelledby="members-heading">
      <h2 id="members-heading">
        Members <span className="muted">{members.length ? `${online} of ${members.length} online` : ''}</span>
      </h2>
      <ul>
        {members.map((m) => (
          <li key={m.userId}>
            <span className={m.online ? 'dot on' : 'dot'} aria-hidden="true" />
            <span className="nickname">
              {m.nickname}
              {m.userId === myId && <span className="muted"> (you)</span>}
            </span>
            <span className="sr-only">{m.online ? ', online' : ', offline'}</span>
            {m.role !== 'member' && <span className="tag">{m.role}</span>}
            {m.muted && <span className="tag">muted</span>}
          </li>
        ))}
      </ul>
    </aside>
  );
}
