import { useInfiniteQuery } from '@tanstack/react-query';
import { get, qs } from '../api.ts';
import { Card, Empty, formatDate } from '../ui/bits.tsx';

/** One line per event; the data is shown as text (it may hold what a contact typed). */
function describe(e: { type: string; data: any }): string {
  const d = e.data ?? {};
  switch (e.type) {
    case 'contact.updated': return `changed ${d.field ?? 'fields'}${d.old !== undefined ? ` from ${JSON.stringify(d.old)}` : ''}${d.new !== undefined ? ` to ${JSON.stringify(d.new)}` : ''}`;
    case 'list.joined': case 'list.left': return `list ${d.list_name ?? d.list_id}${d.source ? ` (${d.source})` : ''}`;
    case 'tag.added': case 'tag.removed': return d.tag;
    case 'consent.changed': return `${d.channel}: ${d.previous ?? 'none'} → ${d.status}`;
    default: {
      const s = JSON.stringify(d);
      return s === '{}' ? '' : s.length > 160 ? `${s.slice(0, 160)}…` : s;
    }
  }
}

export function Timeline({ id }: { id: number }) {
  const q = useInfiniteQuery({
    queryKey: [`/api/v1/contacts/${id}/events`],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => get<{ data: any[]; next_before: string | null }>(`/api/v1/contacts/${id}/events${qs({ limit: 30, before: pageParam })}`),
    getNextPageParam: (last) => last.next_before,
  });
  const events = q.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Card title="Timeline">
      {events.length === 0 && !q.isLoading ? <Empty title="Nothing happened yet" /> : (
        <table className="table">
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td className="muted" style={{ width: 170 }}>{formatDate(e.occurred_at)}</td>
                <td><code>{e.type}</code></td>
                <td>{describe(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {q.hasNextPage && <div className="pager"><button onClick={() => void q.fetchNextPage()}>Older events</button></div>}
    </Card>
  );
}
