import { useGet } from '../data.ts';
import { useMessageLabels } from '../ui/messageLabel.ts';
import { Card } from '../ui/bits.tsx';
import { CriteriaBuilder } from '../segments/CriteriaBuilder.tsx';
import { asRootGroup } from '../segments/criteria.ts';
import type { Branch, Step } from './graph.ts';

const UNITS = ['minutes', 'hours', 'days', 'weeks', 'months'];
const ACTIONS = ['add_tag', 'remove_tag', 'add_to_list', 'remove_from_list', 'set_field', 'unsubscribe'];

interface Props {
  step: Step;
  problems: { message: string; resolve?: string }[];
  onChange(s: Step): void;
  onDelete(): void;
}

/** Edits one step of the journey; changes stay local until the journey is saved. */
export function StepPanel({ step: s, problems, onChange, onDelete }: Props) {
  const messages = useGet<{ data: any[] }>('/api/v1/messages');
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const set = (patch: Partial<Step>) => onChange({ ...s, ...patch });
  const setBranch = (i: number, patch: Partial<Branch>) => set({ branches: s.branches!.map((b, j) => (j === i ? { ...b, ...patch } : b)) });
  const channelMsgs = (messages.data?.data ?? []).filter((m) => m.channel === s.type);
  const labels = useMessageLabels(channelMsgs);

  return (
    <Card title={`Step ${s.id}`} actions={<button className="small danger" onClick={onDelete}>Delete step</button>}>
      {problems.map((p, i) => <div key={i} className="banner error small">{p.message}{p.resolve ? ` — ${p.resolve}` : ''}</div>)}
      <label className="field"><span className="field-label">Name (optional)</span><input value={s.name ?? ''} onChange={(e) => set({ name: e.target.value || undefined })} /></label>
      {(s.type === 'email' || s.type === 'sms') && (
        <label className="field"><span className="field-label">Message</span>
          <select aria-label="Message" value={s.message_id ?? ''} onChange={(e) => set({ message_id: e.target.value ? Number(e.target.value) : undefined })}>
            <option value="">choose a message</option>
            {channelMsgs.map((m) => <option key={m.id} value={m.id}>{labels.get(m.id)}</option>)}
          </select>
          {channelMsgs.length === 0 && <span className="field-hint">Create an {s.type} message under Messages first.</span>}
        </label>
      )}
      {s.type === 'wait' && (
        <div className="row">
          <label className="field"><span className="field-label">Wait</span>
            <input type="number" min={0} value={s.delay?.amount ?? 1} onChange={(e) => set({ delay: { amount: Number(e.target.value), unit: s.delay?.unit ?? 'days' }, until: undefined, until_field: undefined })} />
          </label>
          <label className="field"><span className="field-label">Unit</span>
            <select value={s.delay?.unit ?? 'days'} onChange={(e) => set({ delay: { amount: s.delay?.amount ?? 1, unit: e.target.value } })}>
              {UNITS.map((u) => <option key={u}>{u}</option>)}
            </select>
          </label>
        </div>
      )}
      {s.type === 'split' && <>
        {s.branches!.map((b, i) => (
          <div key={b.id} className="card" style={{ padding: 10 }}>
            <div className="row">
              <label className="field"><span className="field-label">Branch label</span><input value={b.label ?? ''} onChange={(e) => setBranch(i, { label: e.target.value })} /></label>
              {s.branches!.length > 1 && <button className="small danger" onClick={() => set({ branches: s.branches!.filter((_, j) => j !== i) })}>Remove</button>}
            </div>
            <CriteriaBuilder value={asRootGroup(b.criteria)} onChange={(criteria) => setBranch(i, { criteria })} />
          </div>
        ))}
        <button className="small" disabled={s.branches!.length >= 10} onClick={() => set({ branches: [...s.branches!, { id: `${s.id}_${s.branches!.length + 1}`, label: '', criteria: { all: [] }, next: null }] })}>+ Branch</button>
        <p className="muted small">Contacts take the first branch whose conditions hold, else the “else” path.</p>
      </>}
      {s.type === 'random_split' && <>
        {s.branches!.map((b, i) => (
          <div key={b.id} className="row">
            <label className="field"><span className="field-label">Label</span><input value={b.label ?? ''} onChange={(e) => setBranch(i, { label: e.target.value })} /></label>
            <label className="field"><span className="field-label">%</span><input type="number" min={0} max={100} value={b.percent ?? 0} onChange={(e) => setBranch(i, { percent: Number(e.target.value) })} /></label>
          </div>
        ))}
        <button className="small" onClick={() => set({ branches: [...s.branches!, { id: `${s.id}_${s.branches!.length + 1}`, label: '', percent: 0, next: null }] })}>+ Branch</button>
      </>}
      {s.type === 'action' && <>
        <label className="field"><span className="field-label">Action</span>
          <select value={s.action} onChange={(e) => onChange({ id: s.id, type: 'action', name: s.name, action: e.target.value, next: s.next ?? null })}>
            {ACTIONS.map((a) => <option key={a} value={a}>{a.replace(/_/g, ' ')}</option>)}
          </select>
        </label>
        {(s.action === 'add_tag' || s.action === 'remove_tag') && <label className="field"><span className="field-label">Tag</span><input value={s.tag ?? ''} onChange={(e) => set({ tag: e.target.value })} /></label>}
        {(s.action === 'add_to_list' || s.action === 'remove_from_list') && (
          <label className="field"><span className="field-label">List</span>
            <select value={s.list_id ?? ''} onChange={(e) => set({ list_id: e.target.value ? Number(e.target.value) : undefined })}>
              <option value="">choose</option>
              {(lists.data?.data ?? []).map((l) => <option key={l.id} value={l.id}>{l.name}</option>)}
            </select>
          </label>
        )}
        {s.action === 'set_field' && <div className="row">
          <label className="field"><span className="field-label">Field</span><input value={s.field ?? ''} onChange={(e) => set({ field: e.target.value })} /></label>
          <label className="field"><span className="field-label">Value</span><input value={s.value ?? ''} onChange={(e) => set({ value: e.target.value })} /></label>
        </div>}
      </>}
      {s.type === 'exit' && <p className="muted">The contact leaves the journey here.</p>}
    </Card>
  );
}
