import { type FormEvent, useId, useState } from 'react';
import { MODERATION_REASON_MAX_LENGTH, type MemberView, type RoomRole } from '@chat/contracts';
import { describeError } from '../lib/api';
import { fieldText } from '../lib/forms';
import { formatTime } from '../lib/time';
import { useSession } from '../shell/SessionContext';
import { Dialog } from '../ui/Dialog';
import { Field } from '../ui/Field';
import { type Actor, canSetRoles } from './permissions';

/** Mute lengths offered, in minutes; null is until lifted. */
const MUTE_LENGTHS: { label: string; minutes: number | null }[] = [
  { label: '10 minutes', minutes: 10 },
  { label: '1 hour', minutes: 60 },
  { label: '1 day', minutes: 24 * 60 },
  { label: '1 week', minutes: 7 * 24 * 60 },
  { label: 'Until lifted', minutes: null },
];

const ROLES: { role: RoomRole; label: string }[] = [
  { role: 'admin', label: 'Admin' },
  { role: 'member', label: 'Member' },
  { role: 'guest', label: 'Guest' },
  { role: 'owner', label: 'Owner (hands the room over; you become an admin)' },
];

interface Props {
  roomId: number;
  member: MemberView;
  actor: Actor;
  onClose: () => void;
}

/** A moderator's actions on one member: role, mute, kick and ban. */
export function MemberActions({ roomId, member, actor, onClose }: Props) {
  const { api, notify } = useSession();
  const ids = { role: useId(), mute: useId() };
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const name = member.nickname;

  const act = async (request: () => Promise<unknown>, done: string, close = false) => {
    setBusy(true);
    setError(null);
    try {
      await request();
      notify(done, 'info');
      if (close) return onClose();
    } catch (e) {
      setError(describeError(e));
    }
    setBusy(false);
  };

  const changeRole = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const role = fieldText(new FormData(event.currentTarget), 'role') as RoomRole;
    void act(() => api.updateMember(roomId, member.userId, { role }), `${name} is now ${/^[aeiou]/.test(role) ? 'an' : 'a'} ${role}.`);
  };

  const mute = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const minutes = Number(fieldText(new FormData(event.currentTarget), 'minutes')) || null;
    const change = minutes === null ? { muted: true } : { muted: true, mutedMinutes: minutes };
    void act(() => api.updateMember(roomId, member.userId, change), `${name} is muted.`);
  };

  const remove = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const reason = fieldText(form, 'reason');
    const ban = (event.nativeEvent as SubmitEvent).submitter?.getAttribute('value') === 'ban';
    void act(
      () => (ban ? api.ban(roomId, member.userId, reason) : api.kick(roomId, member.userId, reason)),
      ban ? `${name} is banned from the room.` : `${name} was removed from the room.`,
      true,
    );
  };

  return (
    <Dialog title={`Manage ${name}`} onClose={onClose}>
      {canSetRoles(actor) && (
        <form className="dialog-section" onSubmit={changeRole}>
          <h3>Role</h3>
          <div className="field">
            <label htmlFor={ids.role}>Role of {name}</label>
            <select id={ids.role} name="role" defaultValue={member.role}>
              {ROLES.map((r) => (
                <option key={r.role} value={r.role}>
                  {r.label}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" disabled={busy}>
            Change role
          </button>
        </form>
      )}

      <section className="dialog-section" aria-labelledby={`${ids.mute}-heading`}>
        <h3 id={`${ids.mute}-heading`}>Mute</h3>
        {member.muted ? (
          <>
            <p>
              {name} is muted {member.mutedUntil ? `until ${formatTime(member.mutedUntil)}` : 'until the mute is lifted'}.
            </p>
            <button
              type="button"
              disabled={busy}
              onClick={() => void act(() => api.updateMember(roomId, member.userId, { muted: false }), `${name} may write again.`)}
            >
              Unmute
            </button>
          </>
        ) : (
          <form onSubmit={mute}>
            <div className="field">
              <label htmlFor={ids.mute}>Mute {name} for</label>
              <select id={ids.mute} name="minutes" defaultValue="60">
                {MUTE_LENGTHS.map((m) => (
                  <option key={m.label} value={m.minutes ?? ''}>
                    {m.label}
                  </option>
                ))}
              </select>
            </div>
            <button type="submit" disabled={busy}>
              Mute
            </button>
          </form>
        )}
      </section>

      <form className="dialog-section" onSubmit={remove}>
        <h3>Remove</h3>
        <Field label="Reason (optional)" name="reason" maxLength={MODERATION_REASON_MAX_LENGTH} />
        <div className="button-row">
          <button type="submit" value="kick" disabled={busy}>
            Remove from room
          </button>
          <button type="submit" value="ban" className="danger" disabled={busy}>
            Ban from room
          </button>
        </div>
      </form>

      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
