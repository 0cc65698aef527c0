import { useId, useState, type ReactNode } from 'react';
import type { ErrorDetail } from '../api.ts';
import { useGet } from '../data.ts';
import { changeField, CONDITION_TYPES, FIELD_OPS, missing, operands, STANDARD_FIELDS, type Condition, type FieldType } from './criteria.ts';

interface Props {
  value: Condition;
  onChange(c: Condition): void;
  onRemove(): void;
  errors: ErrorDetail[];
  readOnly?: boolean;
  /** Say what an incomplete condition lacks even if the user has not left it yet (after Save). */
  showMissing?: boolean;
}

type Opts = [string, string][];
const opts = (xs: string[]): Opts => xs.map((x) => [x, x.replace(/_/g, ' ')]);

function Pick({ label, value, options, onChange }: { label: string; value: unknown; options: Opts; onChange(v: string): void }) {
  return (
    <select aria-label={label} value={String(value ?? '')} onChange={(e) => onChange(e.target.value)}>
      {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
    </select>
  );
}

function Num({ label, value, onChange, placeholder }: { label: string; value: unknown; onChange(v: number | undefined): void; placeholder?: string }) {
  return <input aria-label={label} type="number" style={{ width: 90 }} placeholder={placeholder} value={value === undefined || value === null ? '' : String(value)}
    onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))} />;
}

/** One condition: its type, operator and operands, with the API's errors for it underneath. */
export function ConditionEditor({ value: c, onChange, onRemove, errors, readOnly, showMissing }: Props) {
  const [touched, setTouched] = useState(false);
  const [note, setNote] = useState<string | null>(null);
  const tagListId = useId();
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const tags = useGet<{ data: { tag: string; contact_count: number }[] }>(c.type === 'tag' ? '/api/v1/tags' : null);
  const fields = useGet<{ data: any[] }>('/api/v1/fields');
  const messages = useGet<{ data: any[] }>('/api/v1/messages');
  const set = (patch: Record<string, unknown>) => {
    const next: Condition = { ...c, ...patch };
    for (const [k, v] of Object.entries(next)) if (v === undefined) delete next[k];
    onChange(next);
  };
  const allFields: [string, FieldType][] = [...STANDARD_FIELDS, ...(fields.data?.data ?? []).map((f) => [f.key, f.type] as [string, FieldType])];
  const fieldType = allFields.find(([k]) => k === c.field)?.[1] ?? 'text';

  let body: ReactNode = null;
  switch (c.type) {
    case 'list':
      body = <>
        <Pick label="List operator" value={c.op} options={[['in', 'is on'], ['not_in', 'is not on']]} onChange={(op) => set({ op })} />
        <Pick label="List" value={(c.list_ids as number[])?.[0]} options={[['', 'choose a list'], ...(lists.data?.data ?? []).map((l) => [String(l.id), l.name] as [string, string])]}
          onChange={(v) => set({ list_ids: v ? [Number(v)] : [] })} />
      </>;
      break;
    case 'field': {
      const ops = FIELD_OPS[fieldType];
      const isNum = fieldType === 'number';
      const input = (k: 'value' | 'to') =>
        fieldType === 'boolean' ? <Pick key={k} label="Value" value={String(c[k] ?? true)} options={[['true', 'true'], ['false', 'false']]} onChange={(v) => set({ [k]: v === 'true' })} />
          // keyed by its type too: an input whose type changed under it (date → text) kept the
          // date input's empty value and dropped the typing that followed (seen in Chromium)
          : <input key={`${k}-${fieldType}`} aria-label={k === 'to' ? 'To' : 'Value'} type={isNum ? 'number' : fieldType === 'date' ? 'date' : 'text'} value={String(c[k] ?? '')}
            onChange={(e) => set({ [k]: isNum ? (e.target.value === '' ? undefined : Number(e.target.value)) : e.target.value })} />;
      body = <>
        <Pick label="Field" value={c.field} options={allFields.map(([k]) => [k, k.replace(/_/g, ' ')])}
          onChange={(field) => {
            const t = allFields.find(([k]) => k === field)?.[1] ?? 'text';
            const r = changeField(c, field, fieldType, t);
            setNote(r.note);
            onChange(r.next);
          }} />
        <Pick label="Field operator" value={c.op} options={ops} onChange={(op) => {
          setNote(null);
          const need = operands(op);
          set({ op, value: need.includes('value') ? (c.value ?? (isNum ? 0 : '')) : undefined, to: need.includes('to') ? (c.to ?? c.value) : undefined, days: need.includes('days') ? (c.days ?? 7) : undefined });
        }} />
        {operands(c.op).map((o) => (o === 'days' ? <Num key={o} label="Days" value={c.days} onChange={(days) => set({ days })} placeholder="days" /> : input(o)))}
      </>;
      break;
    }
    case 'tag':
      body = <>
        <Pick label="Tag operator" value={c.op} options={[['has', 'has tag'], ['has_not', 'has not tag']]} onChange={(op) => set({ op })} />
        <input aria-label="Tag" placeholder="tag" list={tagListId} value={String(c.tag ?? '')} onChange={(e) => set({ tag: e.target.value })} />
        <datalist id={tagListId} data-testid="tag-suggestions">
          {(tags.data?.data ?? []).map((t) => <option key={t.tag} value={t.tag}>{`${t.contact_count.toLocaleString()} ${t.contact_count === 1 ? 'contact' : 'contacts'}`}</option>)}
        </datalist>
      </>;
      break;
    case 'consent':
      body = <>
        <Pick label="Channel" value={c.channel} options={[['email', 'email'], ['sms', 'SMS']]} onChange={(channel) => set({ channel, status: channel === 'email' ? 'subscribed' : 'opted_in' })} />
        <Pick label="Consent operator" value={c.op} options={[['is', 'is'], ['is_not', 'is not']]} onChange={(op) => set({ op })} />
        <Pick label="Status" value={c.status} options={opts(c.channel === 'sms' ? ['none', 'opted_in', 'opted_out'] : ['subscribed', 'unsubscribed', 'bounced', 'complained'])} onChange={(status) => set({ status })} />
      </>;
      break;
    case 'engagement':
      body = <>
        <Pick label="Which level" value={c.which ?? 'current'} options={[['current', 'current level'], ['previous', 'previous level']]} onChange={(which) => set({ which })} />
        <Pick label="Engagement operator" value={c.op} options={[['is', 'is'], ['is_not', 'is not']]} onChange={(op) => set({ op })} />
        <Pick label="Level" value={c.level} options={[['most', 'most engaged'], ['somewhat', 'somewhat engaged'], ['least', 'least engaged'], ['everyone_else', 'everyone else']]} onChange={(level) => set({ level })} />
      </>;
      break;
    case 'email_activity':
      body = <>
        <Pick label="Activity" value={c.op} options={opts(['received', 'not_received', 'opened', 'not_opened', 'clicked', 'not_clicked'])} onChange={(op) => set({ op })} />
        <Pick label="Message" value={c.message_id ?? ''} options={[['', 'any message'], ...(messages.data?.data ?? []).map((m) => [String(m.id), m.name] as [string, string])]}
          onChange={(v) => set({ message_id: v ? Number(v) : undefined })} />
        <span className="muted">in the last</span><Num label="Within days" value={c.within_days} onChange={(within_days) => set({ within_days })} placeholder="any time" /><span className="muted">days</span>
      </>;
      break;
    case 'event':
      body = <>
        <Pick label="Event operator" value={c.op} options={[['did', 'did'], ['did_not', 'did not do']]} onChange={(op) => set({ op })} />
        <input aria-label="Event name" placeholder="event name" value={String(c.event ?? '')} onChange={(e) => set({ event: e.target.value })} />
        <span className="muted">at least</span><Num label="Minimum count" value={c.min_count} onChange={(min_count) => set({ min_count })} placeholder="1" /><span className="muted">times in the last</span>
        <Num label="Within days" value={c.within_days} onChange={(within_days) => set({ within_days })} placeholder="any time" /><span className="muted">days</span>
      </>;
      break;
    case 'purchase':
      body = <>
        <Pick label="Purchase operator" value={c.op} options={[['has_purchased', 'has purchased'], ['has_not_purchased', 'has not purchased']]} onChange={(op) => set({ op })} />
        <input aria-label="Product name contains" placeholder="any product" value={String((c.product as any)?.name_contains ?? '')}
          onChange={(e) => set({ product: e.target.value ? { name_contains: e.target.value } : undefined })} />
        <span className="muted">in the last</span><Num label="Within days" value={c.within_days} onChange={(within_days) => set({ within_days })} placeholder="any time" /><span className="muted">days</span>
      </>;
      break;
    default:
      body = <code>{JSON.stringify(c)}</code>;
  }
  const label = CONDITION_TYPES.find(([t]) => t === c.type)?.[1] ?? c.type;
  const lacks = missing(c);
  return (
    <div className="cond" data-testid="condition"
      onBlur={(e) => { if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setTouched(true); }}>
      <fieldset disabled={readOnly} style={{ border: 0, padding: 0, margin: 0, display: 'flex', gap: 6, flexWrap: 'wrap', alignItems: 'center', flex: 1 }}>
        <strong className="small" style={{ minWidth: 100 }}>{label}</strong>
        {body}
      </fieldset>
      {!readOnly && <button className="small" aria-label="Remove condition" onClick={onRemove}>✕</button>}
      {note && <div className="muted small" role="status" style={{ width: '100%' }}>{note}</div>}
      {lacks && (touched || showMissing) && <div className="field-error" style={{ width: '100%' }}>{lacks}</div>}
      {!lacks && errors.map((e) => <div key={e.path + e.message} className="field-error" style={{ width: '100%' }}>{e.message}</div>)}
    </div>
  );
}
