import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import type { ContactView, InviteResult, MemberView, MyRoomView, RoomBanView } from '@chat/contracts';
import { describeError } from '../lib/api';
import { fieldText } from '../lib/forms';
import { useSession } from '../shell/SessionContext';
import { Dialog } from '../ui/Dialog';
import { Field } from '../ui/Field';
import { ContactPicker } from './ContactPicker';
import { type Actor, canInvite, canModerate, canRename } from './permissions';
import { useRooms } from './RoomsContext';
import { MAX_INVITES, parseUserIds } from './userIds';

interface Props {
  room: MyRoomView;
  members: MemberView[];
  actor: Actor;
  onClose: () => void;
}

function invited(result: InviteResult): string {
  const parts = [
    result.added.length && `${result.added.length} invited`,
    result.alreadyMembers.length && `${result.alreadyMembers.length} already here`,
    result.banned?.length && `${result.banned.length} banned from the room, not invited`,
  ].filter(Boolean);
  return `${parts.join(', ')}.`;
}

/** The room's name, invitations, my notifications for it, its bans, and leaving it. */
export function RoomSettings({ room, members, actor, onClose }: Props) {
  const { api, notify, user } = useSession();
  const { dispatch, closeRoom } = useRooms();
  const id = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [leaving, setLeaving] = useState(false);
  const memberIds = useMemo(() => new Set(members.map((m) => m.userId)), [members]);

  const act = async (request: () => Promise<string | void>) => {
    setBusy(true);
    setError(null);
    try {
      const done = await request();
      if (done) notify(done, 'info');
    } catch (e) {
      setError(describeError(e));
    }
    setBusy(false);
  };

  const rename = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = fieldText(new FormData(event.currentTarget), 'name');
    if (!name) return setError('A room name cannot be empty.');
    void act(async () => {
      const renamed = await api.renameRoom(room.id, name);
      dispatch({ type: 'updated', room: renamed, myId: user.id });
      return `Renamed to ${renamed.name}.`;
    });
  };

  const inviteIds = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const ids = parseUserIds(fieldText(new FormData(form), 'userIds'));
    if (!ids?.length) return setError('User ids are numbers separated by commas or spaces.');
    if (ids.length > MAX_INVITES) return setError(`At most ${MAX_INVITES} users can be invited at once.`);
    void act(async () => {
      const result = await api.invite(room.id, ids);
      form.reset();
      return invited(result);
    });
  };

  const inviteContact = (contact: ContactView) =>
    void act(async () => {
      const result = await api.invite(room.id, [contact.id]);
      return result.added.length ? `${contact.nickname} is invited.` : invited(result);
    });

  const setSelfMuted = (selfMuted: boolean) =>
    void act(async () => {
      await api.updateMember(room.id, user.id, { muted: selfMuted });
      dispatch({ type: 'selfMuted', roomId: room.id, selfMuted });
    });

  const leave = () =>
    void act(async () => {
      await api.leaveRoom(room.id);
      dispatch({ type: 'removed', roomId: room.id });
      closeRoom(`You left ${room.name}.`);
    });

  return (
    <Dialog title="Room settings" onClose={onClose}>
      {canRename(actor) ? (
        <form className="dialog-section" onSubmit={rename}>
          <h3>Name</h3>
          <Field label="Room name" name="name" defaultValue={room.name} maxLength={100} required />
          <button type="submit" disabled={busy}>
            Rename
          </button>
        </form>
      ) : (
        <section className="dialog-section" aria-label="Name">
          <h3>{room.name}</h3>
          <p className="muted">Room admins and its owner can rename it.</p>
        </section>
      )}

      {canInvite(actor) && (
        <section className="dialog-section" aria-labelledby={`${id}-invite`}>
          <h3 id={`${id}-invite`}>Invite people</h3>
          <ContactPicker
            label="Find people to invite"
            action="Invite"
            actionLabel={(c) => `Invite ${c.nickname}`}
            exclude={memberIds}
            disabled={busy}
            onPick={inviteContact}
          />
          <form onSubmit={inviteIds}>
            <Field label="Or invite by user id" name="userIds" inputMode="numeric" placeholder="e.g. 2, 5" />
            <button type="submit" disabled={busy}>
              Invite by id
            </button>
          </form>
        </section>
      )}

      <section className="dialog-section" aria-labelledby={`${id}-notify`}>
        <h3 id={`${id}-notify`}>Notifications</h3>
        <div className="check">
          <input id={id} type="checkbox" checked={room.selfMuted} disabled={busy} onChange={(e) => setSelfMuted(e.target.checked)} />
          <label htmlFor={id}>Mute this room (no notifications, not counted in the tab title)</label>
        </div>
      </section>

      {canModerate(actor) && <Bans roomId={room.id} />}

      <section className="dialog-section" aria-labelledby={`${id}-leave`}>
        <h3 id={`${id}-leave`}>Leave</h3>
        {leaving ? (
          <>
            <p>
              Leave {room.name}?{room.isPrivate ? ' Only an invitation brings you back.' : ''}
              {room.role === 'owner' ? ' The room goes to its senior admin or member.' : ''}
            </p>
            <div className="button-row">
              <button type="button" className="danger" disabled={busy} onClick={leave}>
                Yes, leave
              </button>
              <button type="button" onClick={() => setLeaving(false)}>
                Stay
              </button>
            </div>
          </>
        ) : (
          <button type="button" onClick={() => setLeaving(true)}>
            Leave room
          </button>
        )}
      </section>

      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}

/** Who is banned from the room, with a way to lift each ban. */
function Bans({ roomId }: { roomId: number }) {
  const { api, notify } = useSession();
  const headingId = useId();
  const [bans, setBans] = useState<RoomBanView[] | null>(null);

  useEffect(() => {
    let current = true;
    api.bans(roomId).then(
      (list) => current && setBans(list),
      (e: unknown) => current && notify(`Could not read the bans: ${describeError(e)}`),
    );
    return () => {
      current = false;
    };
  }, [api, roomId, notify]);

  const lift = async (ban: RoomBanView) => {
    try {
      await api.unban(roomId, ban.userId);
      setBans((all) => all?.filter((b) => b.userId !== ban.userId) ?? null);
      notify(`${ban.nickname} may come back.`, 'info');
    } catch (e) {
      notify(`Could not lift the ban: ${describeError(e)}`);
    }
  };

  return (
    <section className="dialog-section" aria-labelledby={headingId}>
      <h3 id={headingId}>Banned</h3>
      {bans?.length === 0 && <p className="muted">Nobody is banned.</p>}
      <ul className="bans">
        {bans?.map((ban) => (
          <li key={ban.userId}>
            <span className="nickname">{ban.nickname}</span>
            {ban.reason && <span className="muted">{ban.reason}</span>}
            <button type="button" className="link" aria-label={`Lift the ban on ${ban.nickname}`} onClick={() => void lift(ban)}>
              Lift ban
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
