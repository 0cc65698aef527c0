import { useEffect, useState } from 'react';
import { qs } from '../api.ts';
import { useGet } from '../data.ts';
import { Link } from '../router.tsx';
import { Card, Empty, Loading, PageHeader, Status, count } from '../ui/bits.tsx';
import { BulkBar, type Selection } from './BulkBar.tsx';

export function contactName(c: { first_name?: string | null; last_name?: string | null; email?: string | null; phone?: string | null; key?: string }) {
  const name = [c.first_name, c.last_name].filter(Boolean).join(' ');
  return name || c.email || c.phone || c.key || 'Unnamed contact';
}

const SORTS: [string, string][] = [
  ['-created_at', 'Newest first'],
  ['created_at', 'Oldest first'],
  ['email', 'Email A–Z'],
  ['-email', 'Email Z–A'],
];

/** A column header that sorts by its column: ascending, then descending. */
function SortHeader({ label, col, sort, onSort, first = 'asc' }: { label: string; col: string; sort: string; onSort(s: string): void; first?: 'asc' | 'desc' }) {
  const dir = sort === col ? 'ascending' : sort === `-${col}` ? 'descending' : 'none';
  const next = dir === 'none' ? (first === 'asc' ? col : `-${col}`) : dir === 'ascending' ? `-${col}` : col;
  return (
    <th aria-sort={dir}>
      <button className="link" style={{ font: 'inherit', fontWeight: 600, background: 'none', border: 0, padding: 0, cursor: 'pointer' }} onClick={() => onSort(next)}>
        {label} {dir === 'ascending' ? '↑' : dir === 'descending' ? '↓' : ''}
      </button>
    </th>
  );
}

/** Page sizes: up to 1,000 (the API's most), so a thousand contacts can be picked one page at a time. */
const PER_PAGE = [25, 50, 100, 250, 1000];
/** Filters that share the row and shrink on a phone (390 px) rather than push the page sideways. */
const FIELD = { flex: '1 1 160px', minWidth: 0 };
const CONTROL = { width: '100%', minWidth: 0, boxSizing: 'border-box' as const };

/** Contacts: search, filter by list or tag, sort, count, cursor pages, and bulk actions on a selection or on all matching. */
export function ContactsPage() {
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [listId, setListId] = useState('');
  const [tag, setTag] = useState('');
  const [sort, setSort] = useState('-created_at');
  const [perPage, setPerPage] = useState(25);
  const [cursors, setCursors] = useState<string[]>([]); // the cursors of the pages before this one
  const [cursor, setCursor] = useState<string | null>(null);
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [allMatching, setAllMatching] = useState(false);
  const [done, setDone] = useState<string | null>(null);

  useEffect(() => {
    const t = setTimeout(() => setSearch(q.trim()), 250);
    return () => clearTimeout(t);
  }, [q]);
  useEffect(() => {
    setCursors([]);
    setCursor(null);
    setSelected(new Set());
    setAllMatching(false);
  }, [search, listId, tag, sort, perPage]);

  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const tags = useGet<{ data: any[] }>('/api/v1/tags');
  const contacts = useGet<{ data: any[]; next_cursor: string | null; total: number; total_exact: boolean; offset: number }>(
    `/api/v1/contacts${qs({ q: search, list_id: listId, tag, sort, cursor, limit: perPage })}`,
    { placeholderData: (prev) => prev },
  );
  const rows = contacts.data?.data ?? [];
  const filtered = search || listId || tag;
  const total = contacts.data?.total ?? 0;
  const exact = contacts.data?.total_exact ?? true;
  const offset = contacts.data?.offset ?? 0;
  const totalText = `${count(total)}${exact ? '' : '+'}`;
  const pageNo = Math.floor(offset / perPage) + 1;
  const pages = Math.max(1, Math.ceil(total / perPage));
  const pageIds = rows.map((c) => c.id as number);
  const pageAll = pageIds.length > 0 && pageIds.every((id) => selected.has(id));
  const toggle = (id: number) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
    setAllMatching(false);
  };
  const togglePage = () => {
    const next = new Set(selected);
    for (const id of pageIds) if (pageAll) next.delete(id); else next.add(id);
    setSelected(next);
    setAllMatching(false);
  };
  const selection: Selection | null = allMatching
    ? { filter: { q: search || undefined, list_id: listId ? Number(listId) : undefined, tag: tag || undefined }, count: total, exact }
    : selected.size > 0 ? { ids: [...selected] } : null;

  return (
    <>
      <PageHeader
        title="Contacts"
        sub="Everyone you can reach, with their consent."
        actions={<><Link className="button" to="/imports/new">Import CSV</Link><Link className="button primary" to="/contacts/new">New contact</Link></>}
      />
      <Card>
        <div className="row" style={{ flexWrap: 'wrap' }}>
          <label className="field" style={FIELD}><span className="field-label">Search</span>
            <input type="search" placeholder="Email or name" value={q} onChange={(e) => setQ(e.target.value)} aria-label="Search contacts" style={CONTROL} />
          </label>
          <label className="field" style={FIELD}><span className="field-label">List</span>
            <select value={listId} onChange={(e) => setListId(e.target.value)} aria-label="Filter by list" style={CONTROL}>
              <option value="">All lists</option>
              {(lists.data?.data ?? []).map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
            </select>
          </label>
          <label className="field" style={FIELD}><span className="field-label">Tag</span>
            <select value={tag} onChange={(e) => setTag(e.target.value)} aria-label="Filter by tag" style={CONTROL}>
              <option value="">All tags</option>
              {(tags.data?.data ?? []).map((t) => <option key={t.tag} value={t.tag}>{t.tag} ({t.count ?? t.contact_count ?? 0})</option>)}
            </select>
          </label>
          <label className="field" style={FIELD}><span className="field-label">Sort</span>
            <select value={sort} onChange={(e) => setSort(e.target.value)} aria-label="Sort contacts" style={CONTROL}>
              {SORTS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
            </select>
          </label>
        </div>
        {done && <div className="banner good" role="status">{done}</div>}
        {contacts.data && (
          <div className="muted" data-testid="contacts-count" style={{ margin: '6px 0' }}>
            {rows.length === 0 ? 'No contact' : `${count(offset + 1)}–${count(offset + rows.length)} of ${totalText} ${total === 1 ? 'contact' : 'contacts'}`}
            {!exact && <span title="Counting stops here to keep the page fast"> (more than {count(total)}: not counted further)</span>}
          </div>
        )}
        {pageAll && !allMatching && total > pageIds.length && (
          <div className="banner info">
            {selected.size > pageIds.length ? `${count(selected.size)} contacts are selected, all ${count(pageIds.length)} on this page among them.` : `The ${count(pageIds.length)} contacts on this page are selected.`}{' '}
            <button className="small" onClick={() => setAllMatching(true)}>Select all {totalText} matching contacts</button>
          </div>
        )}
        {allMatching && (
          <div className="banner info">
            All {totalText} contacts matching {filtered ? 'the search and filters' : '(every contact)'} are selected.
          </div>
        )}
        {selection && <BulkBar selection={selection} onClear={() => { setSelected(new Set()); setAllMatching(false); }} onDone={(m) => { setDone(m); setSelected(new Set()); setAllMatching(false); }} />}
        {contacts.isLoading ? <Loading /> : rows.length === 0 ? (
          filtered ? <Empty title="No contact matches">Change the search or the filters.</Empty>
            : <Empty title="No contacts yet"><Link to="/imports/new">Import a CSV file</Link> or <Link to="/contacts/new">add a contact</Link> by hand.</Empty>
        ) : (
          <div style={{ overflowX: 'auto', maxWidth: '100%' }}>
            <table className="table" data-testid="contacts-table">
              <thead><tr>
                <th style={{ width: 28 }}><input type="checkbox" aria-label="Select the contacts on this page" checked={pageAll || allMatching} onChange={togglePage} disabled={allMatching} /></th>
                <th>Name</th>
                <SortHeader label="Email" col="email" sort={sort} onSort={setSort} />
                <th>Phone</th><th>Email consent</th><th>SMS</th>
                <SortHeader label="Added" col="created_at" sort={sort} onSort={setSort} first="desc" />
              </tr></thead>
              <tbody>
                {rows.map((c) => (
                  <tr key={c.id}>
                    <td><input type="checkbox" aria-label={`Select ${contactName(c)}`} checked={allMatching || selected.has(c.id)} disabled={allMatching} onChange={() => toggle(c.id)} /></td>
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
          </div>
        )}
        <nav className="pager" aria-label="Pages" style={{ flexWrap: 'wrap', alignItems: 'center' }}>
          <label className="muted small" style={{ marginRight: 'auto' }}>Rows per page{' '}
            <select aria-label="Rows per page" value={perPage} onChange={(e) => setPerPage(Number(e.target.value))}>
              {PER_PAGE.map((n) => <option key={n} value={n}>{count(n)}</option>)}
            </select>
          </label>
          <button disabled={cursors.length === 0} onClick={() => { setCursor(null); setCursors([]); }}>First</button>
          <button disabled={cursors.length === 0} onClick={() => { setCursor(cursors.at(-1) || null); setCursors(cursors.slice(0, -1)); }}>Previous</button>
          {contacts.data && rows.length > 0 && <span className="muted small" data-testid="page-number">Page {count(pageNo)} of {count(pages)}{exact ? '' : '+'}</span>}
          <button disabled={!contacts.data?.next_cursor} onClick={() => { setCursors([...cursors, cursor ?? '']); setCursor(contacts.data!.next_cursor); }}>Next</button>
        </nav>
      </Card>
    </>
  );
}
