import { useGet } from '../../data.ts';
import { exactError, SelectField, TextField } from '../../ui/form.tsx';
import { newAbTest, nextVariantId, type AbTest, type Draft } from '../draft.ts';
import { VariantEditor } from './VariantEditor.tsx';

/** A/B test (2 to 5 variants): test share, winner metric, and a decision after a wait or by hand. */
export function AbTestStep({ d, set, error }: { d: Draft; set(p: Partial<Draft>): void; error: unknown }) {
  const messages = useGet<{ data: any[] }>('/api/v1/messages');
  const all = messages.data?.data ?? [];
  const channel = all.find((m) => m.id === d.message_id)?.channel ?? 'email';
  const ab = d.ab_test;
  const setAb = (patch: Partial<AbTest>) => set({ ab_test: { ...ab!, ...patch } });
  return (
    <>
      <label className="check" style={{ marginBottom: 12 }}>
        <input type="checkbox" checked={!!ab} onChange={(e) => set({ ab_test: e.target.checked ? newAbTest() : null })} />
        Test variants on part of the audience, then send the winner to the rest
      </label>
      {!ab ? <p className="muted">Without a test, everyone gets the same message.</p> : <>
        {['ab_test', 'ab_test.variants'].map((p) => exactError(error, p)).filter(Boolean).map((m) => <div key={m} className="banner error" role="alert">{m}</div>)}
        {ab.variants.map((v, i) => (
          <VariantEditor key={i} v={v} i={i} channel={channel} messages={all} error={error}
            onChange={(nv) => setAb({ variants: ab.variants.map((x, j) => (j === i ? nv : x)) })}
            onRemove={ab.variants.length > 2 ? () => setAb({ variants: ab.variants.filter((_, j) => j !== i) }) : undefined} />
        ))}
        <button className="small" disabled={ab.variants.length >= 5} onClick={() => setAb({ variants: [...ab.variants, { id: nextVariantId(ab.variants) }] })}>+ Variant</button>
        <div className="row" style={{ marginTop: 12 }}>
          <TextField label="Test share (%)" errorPath="ab_test.test_percent" type="number" min={1} max={100} value={ab.test_percent} onChange={(e) => setAb({ test_percent: Number(e.target.value) })} error={error}
            hint="Split evenly between the variants; 100 % sends all variants and no winner." />
          <SelectField label="Winner by" errorPath="ab_test.winner_metric" value={ab.winner_metric} onChange={(e) => setAb({ winner_metric: e.target.value as AbTest['winner_metric'] })} error={error}>
            <option value="opens">Open rate</option><option value="clicks">Click rate</option>
          </SelectField>
          <TextField label="Decide after" errorPath="ab_test.decide_after" value={ab.decide_after} onChange={(e) => setAb({ decide_after: e.target.value })} error={error} hint="30m, 4h, 2d…" />
        </div>
        <div className="choice">
          <label><input type="radio" name="ab-auto" checked={ab.auto} onChange={() => setAb({ auto: true })} /> Send the best variant automatically when the wait is over</label>
          <label><input type="radio" name="ab-auto" checked={!ab.auto} onChange={() => setAb({ auto: false })} /> I pick the winner by hand (the rates are shown on the campaign)</label>
        </div>
      </>}
    </>
  );
}
