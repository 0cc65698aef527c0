import { Link } from '../router.tsx';
import { useGet } from '../data.ts';
import { Card } from '../ui/bits.tsx';

const TYPES: [string, string][] = [
  ['list_joined', 'Joins a list'], ['event', 'Does an event'], ['property_updated', 'A field changes'], ['date_field', 'A date field (birthday…)'],
  ['segment_entered', 'Enters a segment'], ['abandoned_cart', 'Abandons a cart'], ['manual', 'Manual / API enrollment'],
];

function defaults(type: string, listId?: number): any {
  switch (type) {
    case 'list_joined': return { type, list_ids: listId ? [listId] : [] };
    case 'event': return { type, event: '', properties: [] };
    case 'property_updated': return { type, field: 'email', op: 'exists' };
    case 'date_field': return { type, field: 'birthday', offset_days: 0, time: '09:00', yearly: true };
    case 'segment_entered': return { type, segment_id: undefined };
    case 'abandoned_cart': return { type, delay: { amount: 4, unit: 'hours' } };
    default: return { type };
  }
}

/** What starts the journey (J-2 … J-6). */
export function TriggerPanel({ trigger, onChange }: { trigger: any; onChange(t: any): void }) {
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const segments = useGet<{ data: any[] }>('/api/v1/segments');
  const t = trigger ?? { type: 'manual' };
  const set = (patch: any) => onChange({ ...t, ...patch });
  return (
    <Card title="Trigger">
      <label className="field"><span className="field-label">Starts when a contact</span>
        <select aria-label="Trigger type" value={t.type} onChange={(e) => onChange(defaults(e.target.value, lists.data?.data?.[0]?.id))}>
          {TYPES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
        </select>
      </label>
      {t.type === 'list_joined' && (
        <div className="field"><span className="field-label">Lists</span>
          {(lists.data?.data ?? []).length === 0 && <span className="muted small">No list yet: <Link to="/lists">create a list</Link> first.</span>}
          {(lists.data?.data ?? []).map((l) => (
            <label key={l.id} className="check">
              <input type="checkbox" checked={(t.list_ids ?? []).includes(l.id)}
                onChange={(e) => set({ list_ids: e.target.checked ? [...(t.list_ids ?? []), l.id] : (t.list_ids ?? []).filter((x: number) => x !== l.id) })} />
              {l.name}
            </label>
          ))}
          <label className="check"><input type="checkbox" checked={!!t.enroll_existing} onChange={(e) => set({ enroll_existing: e.target.checked })} /> Also enroll current members on activation</label>
        </div>
      )}
      {t.type === 'event' && <label className="field"><span className="field-label">Event name</span><input value={t.event ?? ''} onChange={(e) => set({ event: e.target.value })} placeholder="purchase" /></label>}
      {(t.type === 'property_updated' || t.type === 'date_field') && (
        <label className="field"><span className="field-label">Field</span><input value={t.field ?? ''} onChange={(e) => set({ field: e.target.value })} /></label>
      )}
      {t.type === 'date_field' && (
        <div className="row">
          <label className="field"><span className="field-label">Days before (−) / after</span><input type="number" value={t.offset_days ?? 0} onChange={(e) => set({ offset_days: Number(e.target.value) })} /></label>
          <label className="field"><span className="field-label">At</span><input type="time" value={t.time ?? '09:00'} onChange={(e) => set({ time: e.target.value })} /></label>
        </div>
      )}
      {t.type === 'segment_entered' && (
        <label className="field"><span className="field-label">Segment</span>
          <select value={t.segment_id ?? ''} onChange={(e) => set({ segment_id: e.target.value ? Number(e.target.value) : undefined })}>
            <option value="">choose</option>
            {(segments.data?.data ?? []).filter((s) => !s.builtin).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
          </select>
        </label>
      )}
      {t.type === 'abandoned_cart' && (
        <label className="field"><span className="field-label">After (hours)</span>
          <input type="number" value={t.delay?.amount ?? 4} onChange={(e) => set({ delay: { amount: Number(e.target.value), unit: 'hours' } })} />
        </label>
      )}
    </Card>
  );
}
