import { useState } from 'react';
import { post } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { ErrorBanner } from '../ui/form.tsx';

/** Which contacts a bulk action is for: chosen ids, or all matching the current search and filters. */
export type Selection = { ids: number[] } | { filter: { q?: string; list_id?: number; tag?: string }; count: number; exact: boolean };

const ACTIONS = [
  ['tag', 'Add tag'],
  ['untag', 'Remove tag'],
  ['add_to_list', 'Add to list'],
  ['remove_from_list', 'Remove from list'],
  ['delete', 'Delete'],
] as const;
type Action = (typeof ACTIONS)[number][0];

const n = (x: number) => x.toLocaleString();

/** The sentence of what is about to happen, for the confirmation. */
function sentence(action: Action, who: string, tag: string, list: string) {
  switch (action) {
    case 'tag': return `Add the tag “${tag}” to ${who}?`;
    case 'untag': return `Remove the tag “${tag}” from ${who}?`;
    case 'add_to_list': return `Add ${who} to the list “${list}”?`;
    case 'remove_from_list': return `Remove ${who} from the list “${list}”?`;
    case 'delete': return `Delete ${who}? Their history stays in reports; this cannot be undone.`;
  }
}

function done(action: Action, r: { contacts: number; changed: number }) {
  const verb = { tag: 'tagged', untag: 'untagged', add_to_list: 'added to the list', remove_from_list: 'removed from the list', delete: 'deleted' }[action];
  return `${n(r.changed)} ${r.changed === 1 ? 'change' : 'changes'}: ${n(r.contacts)} contacts ${verb}${r.changed < r.contacts && action !== 'delete' ? ' (the others already were)' : ''}.`;
}

/** Actions on the selected contacts, done by the server in one request after an in-page confirmation. */
export function BulkBar({ selection, onDone, onClear }: { selection: Selection; onDone(message: string): void; onClear(): void }) {
  const [action, setAction] = useState<Action>('tag');
  const [tag, setTag] = useState('');
  const [listId, setListId] = useState('');
  const [confirming, setConfirming] = useState(false);
  const lists = useGet<{ data: { id: number; name: string }[] }>('/api/v1/lists');
  const tags = useGet<{ data: { tag: string; contact_count: number }[] }>('/api/v1/tags');
  const run = useAction(
    (body: object) => post<{ contacts: number; changed: number }>('/api/v1/contacts/bulk', body),
    ['/api/v1/contacts', '/api/v1/lists', '/api/v1/tags'],
    (r) => {
      setConfirming(false);
      onDone(done(action, r));
    },
  );
  const count = 'ids' in selection ? selection.ids.length : selection.count;
  const who = 'ids' in selection ? `${n(count)} selected ${count === 1 ? 'contact' : 'contacts'}` : `all ${selection.exact ? '' : 'of the more than '}${n(count)} matching contacts`;
  const listName = lists.data?.data.find((l) => String(l.id) === listId)?.name ?? '';
  const needsTag = action === 'tag' || action === 'untag';
  const needsList = action === 'add_to_list' || action === 'remove_from_list';
  const ready = (!needsTag || tag.trim() !== '') && (!needsList || listId !== '');
  const body = {
    action,
    ...('ids' in selection ? { contact_ids: selection.ids } : { filter: selection.filter }),
    ...(needsTag ? { tags: [tag.trim()] } : {}),
    ...(needsList ? { list_ids: [Number(listId)] } : {}),
    source: 'manual',
  };

  return (
    <div className="bulk-bar" data-testid="bulk-bar" style={{ border: '1px solid #dfe3ea', borderRadius: 8, padding: 10, margin: '10px 0' }}>
      <div className="row" style={{ alignItems: 'flex-end', flexWrap: 'wrap', gap: 8 }}>
        <strong>{who}</strong>
        <label className="field" style={{ flex: '1 1 150px', minWidth: 0 }}><span className="field-label">Action</span>
          <select aria-label="Bulk action" style={{ width: '100%', minWidth: 0, boxSizing: 'border-box' }} value={action} onChange={(e) => { setAction(e.target.value as Action); setConfirming(false); }}>
            {ACTIONS.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </label>
        {needsTag && (
          <label className="field" style={{ flex: '1 1 150px', minWidth: 0 }}><span className="field-label">Tag</span>
            <input aria-label="Bulk tag" style={{ width: '100%', minWidth: 0, boxSizing: 'border-box' }} list="bulk-tags" value={tag} maxLength={100} onChange={(e) => { setTag(e.target.value); setConfirming(false); }} />
            <datalist id="bulk-tags">{(tags.data?.data ?? []).map((t) => <option key={t.tag} value={t.tag}>{`${t.contact_count} contacts`}</option>)}</datalist>
          </label>
        )}
        {needsList && (
          <label className="field" style={{ flex: '1 1 150px', minWidth: 0 }}><span className="field-label">List</span>
            <select aria-label="Bulk list" style={{ width: '100%', minWidth: 0, boxSizing: 'border-box' }} value={listId} onChange={(e) => { setListId(e.target.value); setConfirming(false); }}>
              <option value="">choose a list</option>
              {(lists.data?.data ?? []).map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
            </select>
          </label>
        )}
        <button className={action === 'delete' ? 'danger' : 'primary'} disabled={!ready || confirming || run.isPending} onClick={() => setConfirming(true)}>
          Apply…
        </button>
        <button disabled={run.isPending} onClick={onClear}>Clear selection</button>
      </div>
      {confirming && (
        <div className="banner warn" role="alertdialog" aria-label="Confirm bulk action" style={{ marginTop: 8 }}>
          <div>{sentence(action, who, tag.trim(), listName)}</div>
          <div className="actions" style={{ marginTop: 6, display: 'flex', gap: 8 }}>
            <button className={action === 'delete' ? 'danger' : 'primary'} disabled={run.isPending} onClick={() => run.mutate(body)}>
              {run.isPending ? 'Working…' : 'Confirm'}
            </button>
            <button disabled={run.isPending} onClick={() => setConfirming(false)}>Cancel</button>
          </div>
        </div>
      )}
      <ErrorBanner error={run.error} />
    </div>
  );
}
