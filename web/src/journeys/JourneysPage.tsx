import { useState, type FormEvent } from 'react';
import { post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Link, navigate } from '../router.tsx';
import { Card, Empty, Loading, PageHeader, Status, formatDate } from '../ui/bits.tsx';
import { ErrorBanner, TextField } from '../ui/form.tsx';
import { ListFilter, nameMatches } from '../ui/ListFilter.tsx';

const STATUSES = ['draft', 'active', 'locked', 'stopped', 'archived'] as const;

const BLANK = { trigger: { type: 'manual' }, start: null, steps: [] };

function Templates() {
  const q = useGet<{ data: any[] }>('/api/v1/journey-templates');
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const create = useAction((t: any) => post(`/api/v1/journey-templates/${t.key}`, t.needs === 'list_id' ? { list_id: lists.data?.data?.[0]?.id } : {}), ['/api/v1/journeys', '/api/v1/messages'], (j: any) => navigate(`/journeys/${j.id ?? j.journey?.id}`));
  return (
    <Card title="Start from a template">
      <ErrorBanner error={create.error} />
      <div className="grid two">
        {(q.data?.data ?? []).map((t) => (
          <div key={t.key} className="stack" style={{ border: '1px solid var(--line)', borderRadius: 8, padding: 10 }}>
            <strong>{t.title}</strong>
            <span className="muted small">{t.description}</span>
            <div><button className="small" disabled={t.needs === 'list_id' && !lists.data?.data?.length} onClick={() => create.mutate(t)}>Use this template</button></div>
          </div>
        ))}
      </div>
    </Card>
  );
}

export function JourneysPage() {
  const q = useGet<{ data: any[] }>('/api/v1/journeys', { refetchInterval: 10_000 });
  const [name, setName] = useState('');
  const [status, setStatus] = useState('');
  const [search, setSearch] = useState('');
  const create = useAction((b: any) => post('/api/v1/journeys', b), ['/api/v1/journeys'], (j: any) => navigate(`/journeys/${j.id}`));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate({ name, definition: BLANK });
  };
  const all = q.data?.data ?? [];
  const rows = all.filter((j) => (status === '' || j.status === status) && nameMatches(j.name, search));
  return (
    <>
      <PageHeader title="Journeys" sub="Automations: a trigger, then emails, SMS, waits, splits and actions." />
      <Card title="New journey">
        <form onSubmit={submit}>
          <ErrorBanner error={create.error} fields={['name']} />
          <div className="row">
            <TextField label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} error={create.error} placeholder="Welcome series" />
            <div className="field"><button className="primary">Create and open the builder</button></div>
          </div>
        </form>
      </Card>
      <Card title="All journeys">
        <ListFilter what="journeys" statuses={STATUSES} status={status} onStatus={setStatus} search={search} onSearch={setSearch} shown={rows.length} total={all.length} />
        {q.isLoading ? <Loading /> : all.length === 0 ? <Empty title="No journey yet">Create one above or start from a template below.</Empty> : rows.length === 0 ? (
          <Empty title="No journey matches these filters">Change the status or the name searched, or clear the filters.</Empty>
        ) : (
          <table className="table" data-testid="journeys-table">
            <thead><tr><th>Journey</th><th>Status</th><th className="num">Version</th><th className="num">In progress</th><th>Updated</th></tr></thead>
            <tbody>
              {rows.map((j) => (
                <tr key={j.id}>
                  <td><Link to={`/journeys/${j.id}`}>{j.name}</Link></td>
                  <td><Status value={j.status} /></td>
                  <td className="num">{j.version}</td>
                  <td className="num">{j.in_progress}</td>
                  <td className="muted">{formatDate(j.updated_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Templates />
    </>
  );
}
