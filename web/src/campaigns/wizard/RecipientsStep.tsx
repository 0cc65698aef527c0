import { useGet } from '../../data.ts';
import { useSession } from '../../session.tsx';
import { Stat } from '../../ui/bits.tsx';
import { fieldError, SelectField, TextField } from '../../ui/form.tsx';
import { PickMany } from '../../ui/PickMany.tsx';
import { useMessageLabels } from '../../ui/messageLabel.ts';
import type { Draft, SegmentRef } from '../draft.ts';

const COUNTS: [string, string][] = [['matching', 'Matching'], ['no_address', 'No address'], ['suppressed', 'Suppressed'], ['duplicates_collapsed', 'Duplicates'], ['control_group', 'Control group'], ['recipients', 'Recipients']];

interface Props {
  d: Draft;
  set(patch: Partial<Draft>): void;
  error: unknown;
  calc: { data?: any; isPending: boolean; run(): void };
}

/** Lists and segments (union) minus exclusions, duplicates, control group, and the count (K-1 … K-3). */
export function RecipientsStep({ d, set, error, calc }: Props) {
  const { me } = useSession();
  const messages = useGet<{ data: any[] }>('/api/v1/messages');
  const lists = useGet<{ data: any[] }>('/api/v1/lists');
  const segments = useGet<{ data: any[] }>('/api/v1/segments');
  const listItems = (lists.data?.data ?? []).map((l) => ({ id: l.id as number, name: l.name, note: `(${l.member_count})` }));
  const segItems = (segments.data?.data ?? []).map((s) => ({ id: s.id as SegmentRef, name: s.name, note: s.builtin ? '(engagement)' : undefined }));
  const labels = useMessageLabels(messages.data?.data ?? [], { channel: true });
  const r = d.recipients;
  const setR = (patch: Partial<Draft['recipients']>) => set({ recipients: { ...r, ...patch } });
  const byEmail = me?.workspace.unique_key === 'email';
  const counts = calc.data;
  return (
    <>
      <div className="row">
        <TextField label="Campaign name" name="name" value={d.name} onChange={(e) => set({ name: e.target.value })} error={error} />
        <SelectField label="Message" name="message_id" value={d.message_id} onChange={(e) => set({ message_id: Number(e.target.value) })} error={error}>
          {(messages.data?.data ?? []).map((m) => <option key={m.id} value={m.id}>{labels.get(m.id)}</option>)}
        </SelectField>
      </div>
      <div className="grid two">
        <div>
          <h3>Send to (any of)</h3>
          <PickMany label="Lists" items={listItems} value={r.lists} onChange={(lists) => setR({ lists })} empty="No list yet." error={fieldError(error, 'recipients.lists')} />
          <PickMany label="Segments" items={segItems} value={r.segments} onChange={(segments) => setR({ segments })} error={fieldError(error, 'recipients.segments')} />
        </div>
        <div>
          <h3>Except (none of)</h3>
          <PickMany label="Excluded lists" items={listItems} value={r.exclude_lists} onChange={(exclude_lists) => setR({ exclude_lists })} error={fieldError(error, 'recipients.exclude_lists')} />
          <PickMany label="Excluded segments" items={segItems} value={r.exclude_segments} onChange={(exclude_segments) => setR({ exclude_segments })} error={fieldError(error, 'recipients.exclude_segments')} />
        </div>
      </div>
      <div className="row">
        <SelectField label="Duplicate addresses" name="duplicates" value={d.duplicates} onChange={(e) => set({ duplicates: e.target.value as Draft['duplicates'] })} error={error}>
          <option value="per_contact">One message per contact</option>
          <option value="per_email">One message per email address</option>
        </SelectField>
        <TextField label="Control group (%)" name="control_group_percent" type="number" min={0} max={50} step={0.5} value={d.control_group_percent}
          onChange={(e) => set({ control_group_percent: Number(e.target.value) })} error={error}
          hint="A random hold-out that receives nothing; the report compares its later purchases with the recipients'." />
      </div>
      {byEmail && <p className="muted small">Contacts are unique by email in this workspace, so both duplicate choices send once per address.</p>}
      <div className="actions">
        <button onClick={calc.run} disabled={calc.isPending}>{calc.isPending ? 'Counting…' : 'Calculate'}</button>
        <span className="muted small">Saves the draft, then counts who would receive it now (segments are evaluated live).</span>
      </div>
      {counts && (
        <div className="stats" style={{ marginTop: 12 }} data-testid="recipient-counts">
          {COUNTS.filter(([k]) => counts[k] !== undefined).map(([k, l]) => <Stat key={k} label={l} value={counts[k]} />)}
          {counts.ab_test && <Stat label="A/B test share" value={`${counts.ab_test.test} + ${counts.ab_test.remainder} later`} />}
        </div>
      )}
    </>
  );
}
