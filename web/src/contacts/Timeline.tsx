import { Fragment, useMemo } from 'react';
import { useInfiniteQuery } from '@tanstack/react-query';
import { get, qs } from '../api.ts';
import { useGet } from '../data.ts';
import { useSession } from '../session.tsx';
import { Badge, Card, Empty } from '../ui/bits.tsx';
import { kind, sentence, type Names, type TimelineEvent } from './timelineText.tsx';

type Named = { data: { id: number; name: string }[] };
const byId = (r: Named | undefined) => new Map((r?.data ?? []).map((x) => [Number(x.id), x.name]));

/** A time in the workspace's time zone, with the zone named. */
function inZone(iso: string, timeZone: string) {
  try {
    return new Date(iso).toLocaleString(undefined, { timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  } catch {
    return new Date(iso).toLocaleString();
  }
}

/**
 * The contact's history, newest first: each event as a sentence with the names of the lists,
 * messages, campaigns, journeys and segments it names (linked), at the workspace's local time;
 * the recorded data can be opened under each. The data is shown as text (it may hold what a
 * contact typed).
 */
export function Timeline({ id }: { id: number }) {
  const timeZone = useSession().me?.workspace.timezone || 'UTC';
  const lists = useGet<Named>('/api/v1/lists');
  const messages = useGet<Named>('/api/v1/messages');
  const campaigns = useGet<Named>(`/api/v1/campaigns${qs({ limit: 500 })}`);
  const journeys = useGet<Named>('/api/v1/journeys');
  const segments = useGet<Named>('/api/v1/segments');
  const names: Names = useMemo(() => ({
    lists: byId(lists.data), messages: byId(messages.data), campaigns: byId(campaigns.data), journeys: byId(journeys.data), segments: byId(segments.data),
  }), [lists.data, messages.data, campaigns.data, journeys.data, segments.data]);
  const q = useInfiniteQuery({
    queryKey: [`/api/v1/contacts/${id}/events`],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => get<{ data: TimelineEvent[]; next_before: string | null }>(`/api/v1/contacts/${id}/events${qs({ limit: 30, before: pageParam })}`),
    getNextPageParam: (last) => last.next_before,
  });
  const events = q.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <Card title="Timeline">
      <div className="muted small">Times in the workspace time zone ({timeZone}).</div>
      {events.length === 0 && !q.isLoading ? <Empty title="Nothing happened yet" /> : (
        <ul className="plain timeline" data-testid="timeline">
          {events.map((e) => (
            <li key={e.id} style={{ padding: '6px 0', borderBottom: '1px solid #eef0f4' }}>
              <div style={{ display: 'flex', gap: 8, flexWrap: 'wrap', alignItems: 'baseline' }}>
                <span className="muted small" style={{ minWidth: 150 }}>{inZone(e.occurred_at, timeZone)}</span>
                <Badge>{kind(e.type)}</Badge>
                <span data-testid="timeline-sentence">{sentence(e, names)}</span>
              </div>
              {e.data && Object.keys(e.data).length > 0 && (
                <details className="small">
                  <summary className="muted">Details</summary>
                  <dl style={{ margin: '4px 0 0 12px', display: 'grid', gridTemplateColumns: 'max-content 1fr', gap: '2px 10px', overflowWrap: 'anywhere' }}>
                    <dt className="muted">event</dt><dd style={{ margin: 0 }}><code>{e.type}</code></dd>
                    {Object.entries(e.data).map(([k, v]) => (
                      <Fragment key={k}><dt className="muted">{k.replace(/_/g, ' ')}</dt><dd style={{ margin: 0 }}>{typeof v === 'string' ? v : JSON.stringify(v)}</dd></Fragment>
                    ))}
                  </dl>
                </details>
              )}
            </li>
          ))}
        </ul>
      )}
      {q.hasNextPage && <div className="pager"><button onClick={() => void q.fetchNextPage()}>Older events</button></div>}
    </Card>
  );
}
