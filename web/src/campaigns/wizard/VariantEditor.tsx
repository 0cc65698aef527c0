import { exactError, TextField, SelectField } from '../../ui/form.tsx';
import { useMessageLabels } from '../../ui/messageLabel.ts';
import type { Variant } from '../draft.ts';

interface Props {
  v: Variant;
  i: number;
  channel: string;
  messages: any[];
  error: unknown;
  onChange(v: Variant): void;
  onRemove?: () => void;
}

/** One A/B variant: a subject, a sender, or a whole other message (content) of the same channel. */
export function VariantEditor({ v, i, channel, messages, error, onChange, onRemove }: Props) {
  const at = `ab_test.variants.${i}`;
  const set = (patch: Partial<Variant>) => {
    const next: Variant = { ...v, ...patch };
    for (const k of Object.keys(patch) as (keyof Variant)[]) if (patch[k] === undefined || patch[k] === '') delete next[k];
    onChange(next);
  };
  const from = v.from ?? { name: '', email: '' };
  const mine = messages.filter((m) => m.channel === channel);
  const labels = useMessageLabels(mine);
  const setFrom = (patch: Partial<NonNullable<Variant['from']>>) => {
    const f = { ...from, ...patch };
    set({ from: f.name || f.email ? f : undefined });
  };
  return (
    <div className="variant" data-testid={`variant-${v.id}`}>
      {exactError(error, at) && <div className="field-error" role="alert">{exactError(error, at)}</div>}
      <div className="row">
        <TextField label="Variant" name="id" errorPath={`${at}.id`} value={v.id} onChange={(e) => onChange({ ...v, id: e.target.value })} error={error} style={{ width: 80 }} />
        <SelectField label={`Content of ${v.id}`} errorPath={`${at}.message_id`} value={v.message_id ?? ''} onChange={(e) => set({ message_id: e.target.value ? Number(e.target.value) : undefined })} error={error}>
          <option value="">The campaign's message</option>
          {mine.map((m) => <option key={m.id} value={m.id}>{labels.get(m.id)}</option>)}
        </SelectField>
        {onRemove && <div className="field"><button className="small danger" onClick={onRemove}>Remove {v.id}</button></div>}
      </div>
      {channel === 'email' && <>
        <TextField label={`Subject of ${v.id}`} errorPath={`${at}.subject`} value={v.subject ?? ''} onChange={(e) => set({ subject: e.target.value })} error={error}
          hint="Empty: the message's own subject." />
        <div className="row">
          <TextField label={`Sender name of ${v.id}`} errorPath={`${at}.from.name`} value={from.name} onChange={(e) => setFrom({ name: e.target.value })} error={error} />
          <TextField label={`Sender email of ${v.id}`} errorPath={`${at}.from.email`} value={from.email} onChange={(e) => setFrom({ email: e.target.value })} error={error} hint="Empty: the message's sender." />
        </div>
      </>}
    </div>
  );
}
