import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../lib/api';
import { fieldText } from '../lib/forms';
import { useSession } from '../shell/SessionContext';
import { Field } from '../ui/Field';
import { MAX_INVITES, parseUserIds } from './userIds';

export function CreateRoom({ onCreated }: { onCreated: (roomId: number) => void }) {
  const { api, user } = useSession();
  const privateId = useId();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = fieldText(form, 'name');
    const invitedUserIds = parseUserIds(fieldText(form, 'invite'));
    if (!invitedUserIds) return setError('Invite user ids must be numbers separated by commas or spaces.');
    if (invitedUserIds.length > MAX_INVITES) return setError(`At most ${MAX_INVITES} users can be invited at once.`);
    setBusy(true);
    setError(null);
    try {
      const room = await api.createRoom({
        ...(name ? { name } : {}),
        isPrivate: form.get('private') === 'on',
        ...(invitedUserIds.length ? { invitedUserIds } : {}),
      });
      onCreated(room.id);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="create-heading">
      <h2 id="create-heading">New room</h2>
      <form onSubmit={(e) => void submit(e)}>
        <Field label="Room name (optional)" name="name" maxLength={100} hint="Left empty, the room is named after its members." />
        <div className="check">
          <input id={privateId} type="checkbox" name="private" />
          <label htmlFor={privateId}>Private (members join by invitation only)</label>
        </div>
        <Field
          label="Invite user ids (optional)"
          name="invite"
          inputMode="numeric"
          placeholder="e.g. 2, 5"
          hint={`Your own id is #${user.id}: share it so others can invite you.`}
        />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          Create room
        </button>
      </form>
    </section>
  );
}
