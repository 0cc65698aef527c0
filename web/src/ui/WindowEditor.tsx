import { useSession } from '../session.tsx';
import { fieldError, TextField } from './form.tsx';

export interface DeliveryWindow {
  timezone: string;
  days: number[];
  start: string;
  end: string;
}

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * Days and hours messages may go out, in a time zone (M-4). `contactZone` offers the
 * contact's own zone. Errors are read under `path` (e.g. `options.window`).
 */
export function WindowEditor({ value, onChange, error, path, contactZone = false }: {
  value: DeliveryWindow;
  onChange(w: DeliveryWindow): void;
  error?: unknown;
  path: string;
  contactZone?: boolean;
}) {
  const set = (patch: Partial<DeliveryWindow>) => onChange({ ...value, ...patch });
  const toggle = (d: number, on: boolean) => set({ days: on ? [...value.days, d].sort() : value.days.filter((x) => x !== d) });
  const daysError = fieldError(error, `${path}.days`);
  return (
    <div data-testid="window-editor">
      <div className={`field${daysError ? ' has-error' : ''}`}>
        <span className="field-label">Days</span>
        <div className="actions">
          {DAYS.map((name, i) => (
            <label key={name} className="check"><input type="checkbox" checked={value.days.includes(i + 1)} onChange={(e) => toggle(i + 1, e.target.checked)} />{name}</label>
          ))}
        </div>
        {daysError && <span className="field-error" role="alert">{daysError}</span>}
      </div>
      <div className="row">
        <TextField label="From" type="time" errorPath={`${path}.start`} value={value.start} onChange={(e) => set({ start: e.target.value })} error={error} />
        <TextField label="Until" errorPath={`${path}.end`} value={value.end} onChange={(e) => set({ end: e.target.value })} error={error} hint="HH:MM, 24:00 for midnight; earlier than From runs overnight" />
        <TextField label="Window time zone" errorPath={`${path}.timezone`} value={value.timezone} onChange={(e) => set({ timezone: e.target.value })} error={error} list="window-zones"
          hint={contactZone ? 'An IANA zone, or “contact” for each contact’s own' : 'An IANA zone such as Europe/Paris'} />
        <datalist id="window-zones">
          {contactZone && <option value="contact" />}
          {['Europe/Paris', 'America/Montreal', 'America/New_York', 'Europe/London', 'UTC'].map((z) => <option key={z} value={z} />)}
        </datalist>
      </div>
    </div>
  );
}

/** The workspace's default window (Settings), else weekdays 9:00–18:00 in its zone. */
export function useDefaultWindow(): DeliveryWindow {
  const { me } = useSession();
  const tz = me?.workspace.timezone ?? 'UTC';
  return (me?.workspace.settings?.default_window as DeliveryWindow | undefined) ?? { timezone: tz, days: [1, 2, 3, 4, 5], start: '09:00', end: '18:00' };
}
