import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)} %`);

/** Sent, delivered, opened and clicked side by side per group (variant or language version), with rates (K-8). */
export function BreakdownChart({ groups, label, testId }: { groups: Record<string, any>; label: string; testId: string }) {
  const data = Object.entries(groups).map(([k, v]) => ({ name: k === 'none' ? 'main' : k, ...v }));
  if (data.length === 0) return null;
  return (
    <div data-testid={testId}>
      <div style={{ height: 220 }}>
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data}>
            <CartesianGrid strokeDasharray="3 3" vertical={false} />
            <XAxis dataKey="name" fontSize={12} />
            <YAxis allowDecimals={false} fontSize={12} />
            <Tooltip />
            <Legend />
            <Bar isAnimationActive={false} dataKey="delivered" name="Delivered" fill="#94a3b8" />
            <Bar isAnimationActive={false} dataKey="opened" name="Opened (unique)" fill="#4f46e5" />
            <Bar isAnimationActive={false} dataKey="clicked" name="Clicked (unique)" fill="#16a34a" />
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="table">
        <thead><tr><th>{label}</th><th className="num">Sent</th><th className="num">Delivered</th><th className="num">Open rate</th><th className="num">Click rate</th><th className="num">Unsubscribed</th><th className="num">Bounced</th></tr></thead>
        <tbody>{data.map((g) => (
          <tr key={g.name}><td>{g.name}</td><td className="num">{g.sent}</td><td className="num">{g.delivered}</td><td className="num">{pct(g.open_rate)}</td><td className="num">{pct(g.click_rate)}</td><td className="num">{g.unsubscribed}</td><td className="num">{g.bounced}</td></tr>
        ))}</tbody>
      </table>
    </div>
  );
}
