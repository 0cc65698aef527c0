import { useEffect, useState } from 'react';
import { qs } from '../api.ts';
import { useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Card, Empty, Loading, PageHeader, Status } from '../ui/bits.tsx';

export function contactName(c: { first_name?: string | null; last_name?: string | null; email?: string | null; phone?: string | null; key?: string }) {
  const name = [c.first_name, c.last_name].filter(Boolean).join(' ');
  return name || c.email || c.phone || c.key || 'Unnamed contact';
}

/** Contacts, newest first: search, filter by list or tag, cursor pages. */
export function ContactsPage() {
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [listId, setListId] = useState('');
  const [tag, setTag] = useState('');
  const [cursors, setCursors] = useState<string[]>([]); // the cursors of the pages before this one
  const [cursor, setCursor] = useState<string | null>(null);

  useEffect(() => {
    const t = setTimeout(() => setSearch(q.trim()), 250);
    return () => clearTimeout(t);
  }, [q]);
  useEffect(() => {
    setCursors([]);
    setCursor(null);
  }, [search, listId, tag]);

  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const tags = useGet<{ data: any[] }>('/api/v1/tags');
  const contacts = useGet<{ data: any[]; next_cursor: string | null }>(`/api/v1/contacts${qs({ q: search, list_id: listId, tag, cursor, limit: 25 })}`);
  const rows = contacts.data?.data ?? [];
  const filtered = search || listId || tag;

  return (
    <>
      <PageHeader
        title="Contacts"
        sub="Everyone you can reach, with their consent."
        actions={<><Link className="button" to="/imports/new">Import CSV</Link><Link className="button primary" to="/contacts/new">New contact</Link></>}
      />
      <Card>
        <div className="row">
          <label className="field"><span className="field-label">Search</span>
            <input type="search" placeholder="Email or name" value={q} onChange={(e) => setQ(e.target.value)} aria-label="Search contacts" />
          </label>
          <label className="field"><span className="field-label">List</span>
            <select value={listId} onChange={(e) => setListId(e.target.value)} aria-label="Filter by list">
              <option value="">All lists</option>
              {(lists.data?.data ?? []).map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
            </select>
          </label>
          <label className="field"><span className="field-label">Tag</span>
            <select value={tag} onChange={(e) => setTag(e.target.value)} aria-label="Filter by tag">
              <option value="">All tags</option>
              {(tags.data?.data ?? []).map((t) => <option key={t.tag} value={t.tag}>{t.tag} ({t.count ?? t.contact_count ?? 0})</option>)}
            </select>
          </label>
        </div>
        {contacts.isLoading ? <Loading /> : rows.length === 0 ? (
          filtered ? <Empty title="No contact matches">Change the search or the filters.</Empty>
            : <Empty title="No contacts yet"><Link to="/imports/new">Import a CSV file</Link> or <Link to="/contacts/new">add a contact</Link> by hand.</Empty>
        ) : (
          <table className="table" data-testid="contacts-table">
            <thead><tr><th>Name</th><th>Email</th><th>Phone</th><th>Email consent</th><th>SMS</th><th>Added</th></tr></thead>
            <tbody>
              {rows.map((c) => (
                <tr key={c.id}>
                  <td><Link to={`/contacts/${c.id}`}>{contactName(c)}</Link></td>
                  <td>{c.email ?? '—'}</td>
                  <td>{c.phone ?? '—'}</td>
                  <td><Status value={c.email_status} /></td>
                  <td><Status value={c.sms_status} /></td>
                  <td className="muted">{new Date(c.created_at).toLocaleDateString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <div className="pager">
          <button disabled={cursors.length === 0} onClick={() => { setCursor(cursors.at(-1) ?? null); setCursors(cursors.slice(0, -1)); }}>Previous</button>
          <button disabled={!contacts.data?.next_cursor} onClick={() => { setCursors([...cursors, cursor ?? '']); setCursor(contacts.data!.next_cursor); }}>Next</button>
        </div>
      </Card>
    </>
  );
}
