const WAITING = ['queued', 'sending', 'paused'];
const DONE = ['sent', 'bounced', 'failed', 'suppressed', 'expired', 'cancelled', 'skipped', 'in_doubt'];

/** While a campaign sends (or is paused): how many of its messages have left, as a bar. */
export function SendProgress({ c, t }: { c: any; t: Record<string, number> }) {
  if (c.status !== 'sending' && c.status !== 'paused') return null;
  const waiting = WAITING.reduce((n, k) => n + (t[k] ?? 0), 0);
  // 'sent' counts bounced messages too: take the suppressed-at-send share, not the fan-out's
  const done = DONE.reduce((n, k) => n + (k === 'suppressed' ? t.suppressed_at_send ?? 0 : k === 'bounced' ? 0 : t[k] ?? 0), 0);
  const total = waiting + done;
  const pct = total ? Math.round((done / total) * 100) : 0;
  return (
    <div style={{ marginBottom: 14 }} data-testid="send-progress">
      <div className="progress" role="progressbar" aria-valuenow={pct} aria-valuemin={0} aria-valuemax={100}><div style={{ width: `${pct}%` }} /></div>
      <p className="muted small">
        {c.status === 'paused' ? 'Paused: ' : 'Sending: '}{done} of {total} messages handled ({pct} %){waiting ? `, ${waiting} waiting` : ''}
        {c.ab_test && c.ab_state?.phase !== 'decided' ? '; the rest of the audience waits for the A/B decision' : ''}.
      </p>
    </div>
  );
}
