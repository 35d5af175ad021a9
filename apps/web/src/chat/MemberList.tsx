import { useState } from 'react';
import type { MemberView } from '@chat/contracts';
import { MemberActions } from '../rooms/MemberActions';
import { type Actor, outranks } from '../rooms/permissions';
import { useOpenRoom } from '../rooms/RoomsContext';
import { RoomSettings } from '../rooms/RoomSettings';
import { useSession } from '../shell/SessionContext';

interface Props {
  id: string;
  /** Shown on a phone, where the panel is hidden until asked for. */
  open: boolean;
  members: MemberView[];
  myId: number;
}

export function MemberList({ id, open, members, myId }: Props) {
  const { user } = useSession();
  const room = useOpenRoom();
  const [settings, setSettings] = useState(false);
  const [managed, setManaged] = useState<number | null>(null);
  const online = members.filter((m) => m.online).length;
  const actor: Actor = { siteRole: user.role, roomRole: members.find((m) => m.userId === myId)?.role ?? room?.role ?? null };
  const target = members.find((m) => m.userId === managed);

  return (
    <aside id={id} className={open ? 'members open' : 'members'} aria-labelledby="members-heading">
      <div className="members-head">
        <h2 id="members-heading">
          Members <span className="muted">{members.length ? `${online} of ${members.length} online` : ''}</span>
        </h2>
        {room && (
          <button type="button" onClick={() => setSettings(true)}>
            Room settings
          </button>
        )}
      </div>
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
            {outranks(actor, m.role, m.userId === myId) && (
              <button type="button" className="link manage" aria-label={`Manage ${m.nickname}`} onClick={() => setManaged(m.userId)}>
                Manage
              </button>
            )}
          </li>
        ))}
      </ul>
      {settings && room && <RoomSettings room={room} members={members} actor={actor} onClose={() => setSettings(false)} />}
      {target && room && <MemberActions roomId={room.id} member={target} actor={actor} onClose={() => setManaged(null)} />}
    </aside>
  );
}
