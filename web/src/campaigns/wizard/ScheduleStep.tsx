import { useSession } from '../../session.tsx';
import { fieldError, TextField } from '../../ui/form.tsx';
import type { Draft, Schedule } from '../draft.ts';

/** Tomorrow at 10:00 local, as the first suggestion for a later send. */
function tomorrow(): { date: string; time: string } {
  const d = new Date(Date.now() + 86_400_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return { date: `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`, time: '10:00' };
}

/** Now on approval, later at a date and time in a zone, or at each contact's best hour (K-4). */
export function ScheduleStep({ d, set, error }: { d: Draft; set(p: Partial<Draft>): void; error: unknown }) {
  const { me } = useSession();
  const s = d.schedule;
  const setS = (x: Schedule) => set({ schedule: x });
  const [date, time] = s.type === 'at' ? s.at.split('T') : ['', ''];
  const atError = fieldError(error, 'schedule.at');
  return (
    <div className="choice">
      <label><input type="radio" name="when" checked={s.type === 'now'} onChange={() => setS({ type: 'now' })} /> <span><b>Now</b>, as soon as it is approved</span></label>
      <label>
        <input type="radio" name="when" checked={s.type === 'at'} onChange={() => { const t = tomorrow(); setS({ type: 'at', at: `${t.date}T${t.time}`, timezone: me?.workspace.timezone ?? 'UTC' }); }} />
        <span><b>Later</b>, at a date and time</span>
      </label>
      {s.type === 'at' && (
        <div className="row" style={{ marginLeft: 24 }}>
          <TextField label="Date" type="date" value={date} onChange={(e) => setS({ ...s, at: `${e.target.value}T${time || '10:00'}` })} error={atError ? error : undefined} errorPath="schedule.at" />
          <TextField label="Time" type="time" value={time.slice(0, 5)} onChange={(e) => setS({ ...s, at: `${date}T${e.target.value}` })} />
          <TextField label="Time zone" errorPath="schedule.timezone" value={s.timezone} onChange={(e) => setS({ ...s, timezone: e.target.value })} error={error} list="schedule-zones" hint="An IANA zone, e.g. Europe/Paris" />
          <datalist id="schedule-zones">{[me?.workspace.timezone ?? 'UTC', 'Europe/Paris', 'America/Montreal', 'America/New_York', 'UTC'].map((z) => <option key={z} value={z} />)}</datalist>
        </div>
      )}
      <label>
        <input type="radio" name="when" checked={s.type === 'optimized'} onChange={() => setS({ type: 'optimized', default_hour: 10 })} />
        <span><b>Optimized send time</b>: each contact at the hour they most often open, within 24 hours of approval</span>
      </label>
      {s.type === 'optimized' && (
        <div className="row" style={{ marginLeft: 24 }}>
          <TextField label="Hour for contacts without history" errorPath="schedule.default_hour" type="number" min={0} max={23} value={s.default_hour}
            onChange={(e) => setS({ ...s, default_hour: Number(e.target.value) })} error={error} hint="0–23, in the contact's or the workspace's zone" />
        </div>
      )}
    </div>
  );
}
