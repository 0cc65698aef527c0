import { del } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Link, navigate } from '../router.tsx';
import { Badge, Card, Empty, Loading, PageHeader, Status, formatDate } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { contactName } from './ContactsPage.tsx';
import { Timeline } from './Timeline.tsx';
import { Deliveries } from './Deliveries.tsx';
import { ConsentCard } from './ConsentCard.tsx';
import { ConfirmButton } from '../ui/Confirm.tsx';

const LEVELS: Record<string, string> = { most: 'Most engaged', somewhat: 'Somewhat engaged', least: 'Least engaged', everyone_else: 'Everyone else' };

export function ContactPage({ id }: { id: number }) {
  const base = `/api/v1/contacts/${id}`;
  const q = useGet<any>(base);
  const fields = useGet<{ data: any[] }>('/api/v1/fields');
  const engagement = useGet<any>(`/api/v1/engagement/contacts/${id}`);
  const remove = useAction(() => del(base), ['/api/v1/contacts'], () => navigate('/contacts'));
  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorBanner error={q.error} />;
  const c = q.data;
  const labels = new Map((fields.data?.data ?? []).map((f) => [f.key, f.label ?? f.key]));
  const e = engagement.data;
  return (
    <>
      <PageHeader
        title={contactName(c)}
        sub={<>Key <code>{c.key}</code> · added {formatDate(c.created_at)}</>}
        actions={<>
          <Link className="button" to={`/contacts/${id}/edit`}>Edit</Link>
          <ConfirmButton className="danger" question={'Delete this contact and its history?'} onConfirm={() => remove.mutate(undefined)}>Delete</ConfirmButton>
        </>}
      />
      <div className="grid sidebar-right">
        <div>
          <Card title="Fields">
            <dl className="kv">
              {(['email', 'phone', 'first_name', 'last_name', 'language', 'timezone', 'birthday'] as const).map((k) => (
                <FragmentKV key={k} k={k.replace('_', ' ')} v={c[k]} />
              ))}
              {Object.entries(c.fields ?? {}).map(([k, v]) => <FragmentKV key={k} k={String(labels.get(k) ?? k)} v={v} />)}
            </dl>
          </Card>
          <Deliveries id={id} />
          <Timeline id={id} />
        </div>
        <div>
          <Card title="Engagement">
            {e ? <>
              <Badge tone="info">{LEVELS[e.level] ?? e.level}</Badge>
              {e.previous_level && <span className="muted small"> previously {LEVELS[e.previous_level] ?? e.previous_level}</span>}
            </> : <span className="muted">Not scored yet</span>}
          </Card>
          <Card title="Lists">
            {c.lists.length === 0 ? <span className="muted">On no list.</span> : (
              <ul className="plain">{c.lists.map((l: any) => <li key={l.id}>{l.name} <span className="muted small">since {formatDate(l.joined_at)}</span></li>)}</ul>
            )}
          </Card>
          <Card title="Tags">{c.tags.length === 0 ? <span className="muted">No tags.</span> : c.tags.map((t: string) => <span key={t} className="tag">{t}</span>)}</Card>
          <ConsentCard c={c} />
        </div>
      </div>
    </>
  );
}

function FragmentKV({ k, v }: { k: string; v: unknown }) {
  return <><dt>{k}</dt><dd>{v === null || v === undefined || v === '' ? <span className="muted">—</span> : String(v)}</dd></>;
}
