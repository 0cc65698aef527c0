import { useState } from 'react';
import { post, qs } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Card, Empty } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { contactName } from '../contacts/ContactsPage.tsx';

/** The explain tree: each node with its verdict and sentence. */
function ExplainNode({ n }: { n: any }) {
  const kids = n.all ?? n.any;
  return (
    <li className={n.result ? 'yes' : 'no'}>
      {kids ? <>{n.all ? 'all of' : 'any of'}<ul className="plain explain" style={{ paddingLeft: 16 }}>{kids.map((k: any, i: number) => <ExplainNode key={i} n={k} />)}</ul></> : (n.text ?? `${n.type} ${n.op}`)}
    </li>
  );
}

function Explain({ id }: { id: string }) {
  const [contactId, setContactId] = useState('');
  const q = useGet<any>(contactId ? `/api/v1/segments/${id}/explain/${contactId}` : null);
  return (
    <Card title="Why in or out?">
      <input type="number" placeholder="Contact id" aria-label="Contact id to explain" value={contactId} onChange={(e) => setContactId(e.target.value)} />
      <ErrorBanner error={q.error} />
      {q.data && (
        <div style={{ marginTop: 8 }} data-testid="explain">
          <strong>{q.data.result ? 'In the segment' : 'Not in the segment'}</strong>
          <ul className="plain explain small"><ExplainNode n={q.data.criteria} /></ul>
        </div>
      )}
    </Card>
  );
}

export function SegmentTools({ id }: { id: string }) {
  const members = useGet<{ data: any[]; next_cursor?: string }>(`/api/v1/segments/${id}/members${qs({ limit: 10 })}`);
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const [listId, setListId] = useState('');
  const add = useAction((list_id: number) => post(`/api/v1/segments/${id}/add-to-list`, { list_id }), ['/api/v1/lists']);
  const rows = members.data?.data ?? [];
  return (
    <>
      <Card title="Members" actions={<a className="button small" href={`/api/v1/segments/${id}/export`} download>Export CSV</a>}>
        {rows.length === 0 ? <Empty title="No member right now" /> : (
          <ul className="plain">{rows.map((c) => <li key={c.id}><Link to={`/contacts/${c.id}`}>{contactName(c)}</Link> <span className="muted small">#{c.id}</span></li>)}</ul>
        )}
      </Card>
      <Card title="Add members to a list">
        <ErrorBanner error={add.error} />
        {add.data && <div className="banner good">Added {add.data.added ?? ''} contacts.</div>}
        <div className="row">
          <select aria-label="List to add to" value={listId} onChange={(e) => setListId(e.target.value)}>
            <option value="">choose a list</option>
            {(lists.data?.data ?? []).map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
          </select>
          <button disabled={!listId} onClick={() => add.mutate(Number(listId))}>Add</button>
        </div>
      </Card>
      <Explain id={id} />
    </>
  );
}
