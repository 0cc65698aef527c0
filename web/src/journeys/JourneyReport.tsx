import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useSession } from '../session.tsx';
import { Card, Empty, Loading, Stat } from '../ui/bits.tsx';
import { formatDay } from '../ui/time.ts';
import type { Definition } from './graph.ts';

/** Entered, in progress, completed, exits by reason, per step and per day (J-21). */
export function JourneyReport({ report: r, def, onRefresh }: { report: any; def: Definition; onRefresh(): void }) {
  const tz = useSession().me?.workspace.timezone;
  if (!r) return <Loading />;
  const steps = def.steps.map((s) => ({ s, c: r.steps?.[s.id] }));
  return (
    <>
      <Card title="Overview" actions={<button className="small" onClick={onRefresh}>Refresh</button>}>
        <div className="stats">
          <Stat label="Entered" value={r.entered} />
          <Stat label="In progress" value={r.in_progress} />
          <Stat label="Completed" value={r.completed} />
          <Stat label="Exited" value={r.exited} />
        </div>
        {Object.keys(r.exited_by_reason ?? {}).length > 0 && (
          <p className="muted small">Exits: {Object.entries(r.exited_by_reason).map(([k, v]) => `${k.replace(/_/g, ' ')} ${v}`).join(', ')}</p>
        )}
      </Card>
      <Card title="Per day">
        {(r.daily ?? []).length === 0 ? <Empty title="No activity yet">Contacts entering and finishing the journey are charted here day by day.</Empty> : (
          <div style={{ height: 260 }} data-testid="daily-chart">
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={r.daily}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="day" fontSize={12} tickFormatter={(d: string) => formatDay(d, tz)} />
                <YAxis allowDecimals={false} fontSize={12} />
                <Tooltip labelFormatter={(d) => formatDay(String(d), tz)} />
                <Legend />
                <Bar isAnimationActive={false} dataKey="entered" name="Entered" fill="#4f46e5" radius={[4, 4, 0, 0]} />
                <Bar isAnimationActive={false} dataKey="finished" name="Finished" fill="#a5b4fc" radius={[4, 4, 0, 0]} />
              </BarChart>
            </ResponsiveContainer>
          </div>
        )}
      </Card>
      <Card title="Per step">
        <table className="table">
          <thead><tr><th>Step</th><th className="num">Reached</th><th className="num">Waiting</th><th className="num">Sent</th><th className="num">Delivered</th><th className="num">Opened</th><th className="num">Clicked</th><th className="num">Unsubscribed</th><th>Branches</th></tr></thead>
          <tbody>
            {steps.map(({ s, c }) => (
              <tr key={s.id}>
                <td><code>{s.id}</code> {s.type}</td>
                <td className="num">{c?.reached ?? 0}</td>
                <td className="num">{c?.waiting ?? 0}</td>
                <td className="num">{c?.sent ?? 0}</td>
                <td className="num">{c?.delivered ?? 0}</td>
                <td className="num">{c?.opened ?? 0}</td>
                <td className="num">{c?.clicked ?? 0}</td>
                <td className="num">{c?.unsubscribed ?? 0}</td>
                <td className="small">{Object.entries(c?.branches ?? {}).map(([b, n]) => `${b}: ${n}`).join(', ')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </>
  );
}
