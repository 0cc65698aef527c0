import { useGet } from '../../data.ts';
import { fieldError, SelectField, TextField } from '../../ui/form.tsx';
import { useDefaultWindow, WindowEditor } from '../../ui/WindowEditor.tsx';
import type { Draft, Options } from '../draft.ts';

/** An ISO instant as the value of a datetime-local input, in the browser's zone. */
function toLocalInput(iso?: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Pacing, deadline, subject prefix, forced language and delivery window (K-5, M-4, M-5). */
export function OptionsStep({ d, set, error }: { d: Draft; set(p: Partial<Draft>): void; error: unknown }) {
  const message = useGet<any>(`/api/v1/messages/${d.message_id}`);
  const fallbackWindow = useDefaultWindow();
  const o = d.options;
  const setO = (patch: Partial<Options>) => {
    const next: Options = { ...o, ...patch };
    for (const k of Object.keys(patch) as (keyof Options)[]) if (patch[k] === undefined) delete next[k];
    set({ options: next });
  };
  const setPacing = (p: NonNullable<Options['pacing']>) => setO({ pacing: p.per_hour || p.spread_over ? p : undefined });
  const pacing = o.pacing ?? {};
  const languages = Object.keys(message.data?.content?.languages ?? {});
  const pacingError = fieldError(error, 'options.pacing');
  return (
    <>
      <h3>Pacing</h3>
      <div className="row">
        <TextField label="At most per hour" type="number" min={1} errorPath="options.pacing.per_hour" value={pacing.per_hour ?? ''}
          onChange={(e) => setPacing({ ...pacing, per_hour: e.target.value ? Number(e.target.value) : undefined })} error={error} hint="Empty: as fast as the server sends" />
        <TextField label="Spread over" errorPath="options.pacing.spread_over" value={pacing.spread_over ?? ''}
          onChange={(e) => setPacing({ ...pacing, spread_over: e.target.value || undefined })} error={error} hint="e.g. 4h or 2d" />
        <TextField label="Deadline" type="datetime-local" errorPath="options.deadline" value={toLocalInput(o.deadline)}
          onChange={(e) => setO({ deadline: e.target.value ? new Date(e.target.value).toISOString() : undefined })} error={error} hint="Messages not sent by then are dropped and counted as expired" />
      </div>
      {pacingError && !fieldError(error, 'options.pacing.per_hour') && !fieldError(error, 'options.pacing.spread_over') && <div className="field-error" role="alert">{pacingError}</div>}
      <h3>Content</h3>
      <div className="row">
        <TextField label="Subject prefix" errorPath="options.subject_prefix" value={o.subject_prefix ?? ''} onChange={(e) => setO({ subject_prefix: e.target.value || undefined })} error={error} placeholder="[REMINDER]" />
        <SelectField label="Language version" errorPath="options.language" value={o.language ?? ''} onChange={(e) => setO({ language: e.target.value || undefined })} error={error}>
          <option value="">Each contact's language (default otherwise)</option>
          {languages.map((l) => <option key={l} value={l}>Force {l} for everyone</option>)}
          {o.language && !languages.includes(o.language) && <option value={o.language}>Force {o.language} (the message has no such version)</option>}
        </SelectField>
      </div>
      <h3>Delivery window</h3>
      <label className="check" style={{ marginBottom: 8 }}>
        <input type="checkbox" checked={!!o.window} onChange={(e) => setO({ window: e.target.checked ? fallbackWindow : undefined })} />
        Send only on some days and hours (messages due outside wait for the next opening)
      </label>
      {o.window && <WindowEditor value={o.window} onChange={(window) => setO({ window })} error={error} path="options.window" contactZone />}
    </>
  );
}
