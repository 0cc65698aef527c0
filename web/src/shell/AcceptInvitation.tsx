import { useEffect, useState, type FormEvent } from 'react';
import { get, post, qs } from '../api.ts';
import { ErrorBanner, TextField } from '../ui/form.tsx';

type Preview = { workspace: string; email: string; role: string; account_exists: boolean };

/** The page an invitation's link opens (issue 16): the invitee joins with their own password, or picks one. */
export function AcceptInvitation({ token }: { token: string }) {
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [password, setPassword] = useState('');
  const [name, setName] = useState('');
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    get<Preview>(`/api/v1/invitations/preview${qs({ token })}`).then(setPreview, setError);
  }, [token]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await post('/api/v1/invitations/accept', { token, password, ...(name ? { name } : {}) });
      setDone(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="login">
      <div className="card login-card">
        <div className="brand big">Parcours</div>
        {!preview && <ErrorBanner error={error} />}
        {preview && done && (
          <>
            <h1>Welcome to {preview.workspace}</h1>
            <p>You joined as {preview.role}. <a href="/">Log in</a> with {preview.email}.</p>
          </>
        )}
        {preview && !done && (
          <form onSubmit={submit}>
            <h1>Join {preview.workspace}</h1>
            <p className="muted">You are invited as <b>{preview.role}</b>, as {preview.email}.</p>
            <ErrorBanner error={error} fields={['password', 'name']} />
            {!preview.account_exists && <TextField label="Your name" name="name" value={name} onChange={(e) => setName(e.target.value)} error={error} autoComplete="name" />}
            <TextField
              label={preview.account_exists ? 'Your Parcours password' : 'Choose a password'}
              name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} error={error} required
              autoComplete={preview.account_exists ? 'current-password' : 'new-password'} minLength={preview.account_exists ? 1 : 10}
              hint={preview.account_exists ? 'This address already has an account' : '10 characters or more'} />
            <button className="primary" disabled={busy}>Accept the invitation</button>
          </form>
        )}
      </div>
    </div>
  );
}
