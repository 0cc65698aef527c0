import type { ReactNode } from 'react';

export function PageHeader({ title, sub, actions }: { title: ReactNode; sub?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {sub && <p className="muted">{sub}</p>}
      </div>
      {actions && <div className="actions">{actions}</div>}
    </header>
  );
}

export function Card({ title, actions, children, className = '' }: { title?: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${className}`}>
      {(title || actions) && (
        <div className="card-head">
          {title && <h2>{title}</h2>}
          {actions && <div className="actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}

/** What to do when there is nothing yet. */
export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <strong>{title}</strong>
      {children && <div className="muted">{children}</div>}
    </div>
  );
}

export function Loading({ what = 'Loading' }: { what?: string }) {
  return <div className="loading muted">{what}…</div>;
}

export function Badge({ tone = 'neutral', children }: { tone?: 'neutral' | 'good' | 'warn' | 'bad' | 'info'; children: ReactNode }) {
  return <span className={`badge ${tone}`}>{children}</span>;
}

const STATUS_TONES: Record<string, 'neutral' | 'good' | 'warn' | 'bad' | 'info'> = {
  active: 'good', done: 'good', sent: 'good', subscribed: 'good', opted_in: 'good', delivered: 'good', approved: 'good', completed: 'good',
  draft: 'neutral', queued: 'info', running: 'info', sending: 'info', scheduled: 'info', pending_approval: 'warn', prepared: 'info',
  stopped: 'warn', paused: 'warn', locked: 'info', archived: 'neutral', unsubscribed: 'warn', opted_out: 'warn', in_doubt: 'warn',
  failed: 'bad', bounced: 'bad', complained: 'bad', rejected: 'bad', cancelled: 'neutral',
};

export function Status({ value }: { value: string }) {
  return <Badge tone={STATUS_TONES[value] ?? 'neutral'}>{value.replace(/_/g, ' ')}</Badge>;
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return d.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A count as people read it: 3,600, not 3600 (as the contacts list writes it). */
export function count(n: unknown): string {
  return typeof n === 'number' ? n.toLocaleString() : String(n ?? '—');
}

export function Stat({ label, value }: { label: string; value: ReactNode }) {
  return (
    <div className="stat">
      <div className="stat-value">{typeof value === 'number' ? count(value) : value}</div>
      <div className="stat-label">{label}</div>
    </div>
  );
}
