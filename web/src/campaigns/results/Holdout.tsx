import { Card, Empty, formatDate } from '../../ui/bits.tsx';

const pct = (x: number | null | undefined, digits = 1) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(digits)} %`);

/** The 95 % interval of the difference as a bar around zero. */
function CiBar({ ci, diff }: { ci: [number, number]; diff: number }) {
  const span = Math.max(Math.abs(ci[0]), Math.abs(ci[1]), 0.01) * 1.1;
  const x = (v: number) => `${50 + (v / span) * 50}%`;
  return (
    <div className="ci-bar" aria-label="95 % confidence interval of the difference">
      <div className="range" style={{ left: x(ci[0]), width: `calc(${x(ci[1])} - ${x(ci[0])})` }} />
      <div className="zero" style={{ left: '50%' }} />
      <div className="point" style={{ left: `calc(${x(diff)} - 2px)` }} />
    </div>
  );
}

interface Props {
  h: any;
  event: string;
  days: number;
  onChange(event: string, days: number): void;
}

/** Recipients against the control group on a later event (K-3): rates, lift and its 95 % interval. */
export function Holdout({ h, event, days, onChange }: Props) {
  return (
    <Card title="Control group comparison">
      <div className="row">
        <label className="field"><span className="field-label">Event</span><input aria-label="Hold-out event" defaultValue={event} onBlur={(e) => e.target.value && onChange(e.target.value, days)} /></label>
        <label className="field"><span className="field-label">Within (days)</span><input aria-label="Hold-out days" type="number" min={1} max={365} defaultValue={days} onBlur={(e) => onChange(event, Number(e.target.value) || 14)} /></label>
      </div>
      {!h ? <Empty title="Not started yet">Once sent, the contacts who received it are compared with the hold-out on this event.</Empty> : (
        <div data-testid="holdout">
          <table className="table">
            <thead><tr><th /><th className="num">Contacts</th><th className="num">Did {h.event}</th><th className="num">Rate</th></tr></thead>
            <tbody>
              <tr><td>Recipients</td><td className="num">{h.recipients.n}</td><td className="num">{h.recipients.converted}</td><td className="num">{pct(h.recipients_rate)}</td></tr>
              <tr><td>Control group</td><td className="num">{h.control.n}</td><td className="num">{h.control.converted}</td><td className="num">{pct(h.control_rate)}</td></tr>
            </tbody>
          </table>
          <p>
            Difference <b>{pct(h.difference, 2)}</b>, lift <b data-testid="holdout-lift">{pct(h.lift)}</b>
            {h.ci95 && <> — 95 % interval {pct(h.ci95[0], 2)} to {pct(h.ci95[1], 2)}: <b>{h.significant ? 'significant' : 'not significant'}</b></>}
          </p>
          {h.ci95 && <CiBar ci={h.ci95} diff={h.difference} />}
          <p className="muted small">From {formatDate(h.from)} to {formatDate(h.to)}{h.complete ? '' : ' (still running)'}. Opens are not compared: the control group got nothing to open.</p>
        </div>
      )}
    </Card>
  );
}
