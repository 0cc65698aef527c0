import { useState, type FormEvent } from 'react';
import { ErrorBanner, TextField } from '../ui/form.tsx';

export function LoginPage({ login }: { login(email: string, password: string): Promise<void> }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email, password);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <form className="card login-card" onSubmit={submit}>
        <div className="brand big">Parcours</div>
        <p className="muted">Email and SMS marketing automation</p>
        <ErrorBanner error={error} fields={['email', 'password']} />
        <TextField label="Email" name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} error={error} required />
        <TextField label="Password" name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} error={error} required />
        <button className="primary wide" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
        <p className="muted small">The first start of the server prints the owner's email and password.</p>
      </form>
    </div>
  );
}
