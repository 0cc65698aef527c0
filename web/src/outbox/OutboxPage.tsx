import { useInfiniteQuery } from '@tanstack/react-query';
import { get, qs } from '../api.ts';
import { useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Badge, Card, Empty, Loading, PageHeader, formatDate } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { SandboxedHtml } from '../ui/SandboxedHtml.tsx';

function OutboxMessage({ id }: { id: number }) {
  const q = useGet<any>(`/api/v1/outbox/${id}`);
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorBanner error={q.error} />;
  const m = q.data;
  return (
    <Card title={m.subject ?? 'SMS'} actions={<Link to="/outbox">Close</Link>}>
      <dl className="kv small" style={{ marginBottom: 10 }}>
        <dt>To</dt><dd>{m.to_address}</dd>
        <dt>From</dt><dd>{m.from_address ?? '—'}</dd>
        <dt>Stored</dt><dd>{formatDate(m.created_at)}</dd>
        {Object.entries(m.headers ?? {}).map(([k, v]) => <FragmentKV key={k} k={k} v={String(v)} />)}
      </dl>
      {m.html ? <SandboxedHtml html={m.html} title="Message" /> : null}
      <details open={!m.html}><summary className="small muted">Text</summary><pre style={{ whiteSpace: 'pre-wrap' }} data-testid="outbox-text">{m.text ?? m.body}</pre></details>
    </Card>
  );
}

function FragmentKV({ k, v }: { k: string; v: string }) {
  return <><dt>{k}</dt><dd><code>{v}</code></dd></>;
}

/** What the embedded transport kept instead of sending (M-2): nothing leaves the machine. */
export function OutboxPage({ id }: { id?: number }) {
  const q = useInfiniteQuery({
    queryKey: ['/api/v1/outbox'],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) => get<{ data: any[]; next_before?: string | null }>(`/api/v1/outbox${qs({ limit: 50, before: pageParam })}`),
    getNextPageParam: (last) => (last.data.length === 50 ? String(last.data[49].id) : null),
    refetchInterval: 5_000,
  });
  const rows = q.data?.pages.flatMap((p) => p.data) ?? [];
  return (
    <>
      <PageHeader title="Outbox" sub="Messages kept by the embedded transport, newest first. Configure SMTP_URL to send for real." />
      {id && <OutboxMessage id={id} />}
      <Card>
        {q.isLoading ? <Loading /> : rows.length === 0 ? <Empty title="The outbox is empty">Send a test from a message, or activate a journey: what would be sent appears here.</Empty> : (
          <table className="table" data-testid="outbox-table">
            <thead><tr><th>Channel</th><th>To</th><th>Subject</th><th>Stored</th></tr></thead>
            <tbody>
              {rows.map((m) => (
                <tr key={m.id}>
                  <td><Badge tone={m.channel === 'sms' ? 'warn' : 'info'}>{m.channel}</Badge></td>
                  <td>{m.to_address}</td>
                  <td><Link to={`/outbox/${m.id}`}>{m.subject ?? '(SMS)'}</Link></td>
                  <td className="muted">{formatDate(m.created_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {q.hasNextPage && <div className="pager"><button onClick={() => void q.fetchNextPage()}>Older</button></div>}
      </Card>
    </>
  );
}
