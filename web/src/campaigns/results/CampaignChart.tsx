import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useSession } from '../../session.tsx';
import { Empty } from '../../ui/bits.tsx';
import { formatDateTime, formatDay } from '../../ui/time.ts';

/** Opens and clicks over time, from the report's time series (hourly or daily). */
export function CampaignChart({ report }: { report: any }) {
  const tz = useSession().me?.workspace.timezone;
  const series: any[] = (report.hourly?.length ?? 0) > 48 ? report.daily : report.hourly ?? [];
  if (series.length === 0) return <Empty title="No activity to chart yet" />;
  const x = 'hour' in series[0] ? 'hour' : 'day' in series[0] ? 'day' : 'at';
  const label = (v: unknown) => (x === 'day' ? formatDay(String(v), tz) : formatDateTime(String(v), tz));
  return (
    <div style={{ height: 260 }} data-testid="campaign-chart">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={series}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey={x} fontSize={12} tickFormatter={label} />
          <YAxis allowDecimals={false} fontSize={12} />
          <Tooltip labelFormatter={label} />
          <Legend />
          <Line isAnimationActive={false} dataKey="sent" name="Sent" stroke="#94a3b8" dot={false} />
          <Line isAnimationActive={false} dataKey="opened" name="Opened" stroke="#4f46e5" dot={false} />
          <Line isAnimationActive={false} dataKey="clicked" name="Clicked" stroke="#16a34a" dot={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
