import { type FormEvent, useMemo, useState } from 'react';
import type { Session } from '@chat/contracts';
import { createApi, describeError } from '../lib/api';
import { fieldText } from '../lib/forms';
import { Field } from '../ui/Field';

/** The demo accounts exist only in a local demo (demo-seed.sql); a deployment never mentions them. */
const LOCAL_DEMO = ['localhost', '127.0.0.1', '[::1]'].includes(window.location.hostname);

type Mode = 'login' | 'register';
type Failure = { form: 'account' | 'guest'; text: string };

export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: (session: Session) => void }) {
  const api = useMemo(() => createApi(null), []);
  const [mode, setMode] = useState<Mode>('login');
  const [error, setError] = useState<Failure | null>(null);
  const [busy, setBusy] = useState(false);

  const attempt = async (form: Failure['form'], request: () => Promise<Session>) => {
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await request());
    } catch (e) {
      setError({ form, text: describeError(e) });
      setBusy(false);
    }
  };

  const submitAccount = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const [email, password, nickname] = ['email', 'password', 'nickname'].map((name) => fieldText(form, name));
    void attempt('account', () => (mode === 'login' ? api.login(email, password) : api.register(email, password, nickname)));
  };

  const submitGuest = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const nickname = fieldText(new FormData(event.currentTarget), 'guestNickname');
    void attempt('guest', () => api.guest(nickname || undefined));
  };

  const switchMode = () => {
    setMode(mode === 'login' ? 'register' : 'login');
    setError(null);
  };

  return (
    <main className="signin">
      <h1>Chat</h1>
      {notice && (
        <p className="banner" role="status">
          {notice}
        </p>
      )}
      <section className="card" aria-labelledby="account-heading">
        <h2 id="account-heading">{mode === 'login' ? 'Sign in' : 'Create an account'}</h2>
        <form onSubmit={submitAccount}>
          <Field label="Email" name="email" type="email" autoComplete="email" required maxLength={254} />
          <Field
            label="Password"
            name="password"
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            required
            minLength={mode === 'register' ? 8 : 1}
            maxLength={128}
            hint={mode === 'register' ? '8 to 128 characters' : undefined}
          />
          {mode === 'register' && <Field label="Nickname" name="nickname" required maxLength={32} autoComplete="nickname" />}
          {error?.form === 'account' && (
            <p className="error" role="alert">
              {error.text}
            </p>
          )}
          <button type="submit" className="primary" disabled={busy}>
            {mode === 'login' ? 'Sign in' : 'Create account'}
          </button>
        </form>
        <p className="switch">
          {mode === 'login' ? 'New here?' : 'Already have an account?'}{' '}
          <button type="button" className="link" onClick={switchMode}>
            {mode === 'login' ? 'Create an account' : 'Sign in instead'}
          </button>
        </p>
        {mode === 'login' && LOCAL_DEMO && <p className="hint">Demo accounts: postman1@test.com, postman2@test.com (password 1234)</p>}
      </section>
      <section className="card" aria-labelledby="guest-heading">
        <h2 id="guest-heading">Just looking?</h2>
        <form onSubmit={submitGuest}>
          <Field label="Guest nickname (optional)" name="guestNickname" maxLength={32} />
          {error?.form === 'guest' && (
            <p className="error" role="alert">
              {error.text}
            </p>
          )}
          <button type="submit" disabled={busy}>
            Continue as guest
          </button>
        </form>
      </section>
    </main>
  );
}
