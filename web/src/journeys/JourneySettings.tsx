import { useEffect } from 'react';
import { Card } from '../ui/bits.tsx';
import { useDefaultWindow, WindowEditor } from '../ui/WindowEditor.tsx';
import { CriteriaSection } from './CriteriaSection.tsx';
import type { Definition } from './graph.ts';
import type { Problem } from './Problems.tsx';

interface Props {
  def: Definition;
  onChange(d: Definition): void;
  problems: Problem[];
  focus: string | null;
}

const REENTRY: [string, string][] = [
  ['never', 'Never: a contact goes through once'],
  ['after_exit', 'Again after finishing or leaving it'],
  ['always', 'Always, even while already in it'],
];

/** Entry filter, exit criteria, goal, re-entry, time zone, language and delivery window (J-7, J-12, J-19, M-4). */
export function JourneySettings({ def, onChange, problems, focus }: Props) {
  const fallbackWindow = useDefaultWindow();
  const settings = def.settings ?? { window: null, reentry: 'never' };
  const setS = (patch: Record<string, unknown>) => onChange({ ...def, settings: { ...settings, ...patch } });
  const at = (prefix: string) => problems.filter((p) => !p.step_id && p.path.startsWith(prefix));
  useEffect(() => {
    if (focus) document.getElementById(`journey-${focus}`)?.scrollIntoView({ block: 'start' });
  }, [focus]);
  const windowProblems = at('settings');
  return (
    <div className="grid two">
      <CriteriaSection title="Entry filter" id="entry_filter" value={def.entry_filter} onChange={(entry_filter) => onChange({ ...def, entry_filter })} problems={at('entry_filter')} enable="Only contacts matching these conditions enter">
        Checked when the trigger fires (J-7): contacts who do not match do not enter.
      </CriteriaSection>
      <CriteriaSection title="Exit criteria" id="exit_criteria" value={def.exit_criteria} onChange={(exit_criteria) => onChange({ ...def, exit_criteria })} problems={at('exit_criteria')} enable="Contacts matching these conditions leave the journey">
        Checked before every step (J-12), e.g. “did purchase in the last 30 days”.
      </CriteriaSection>
      <CriteriaSection title="Goal" id="goal" value={def.goal} onChange={(goal) => onChange({ ...def, goal })} problems={at('goal')} enable="Contacts reaching this goal leave the journey, counted as converted">
        Also checked before every step; the report counts exits by goal separately.
      </CriteriaSection>
      <Card title="Settings">
        <div id="journey-settings" />
        {windowProblems.map((p, i) => <div key={i} className="banner error small">{p.path}: {p.message}</div>)}
        <label className="field"><span className="field-label">Re-entry</span>
          <select aria-label="Re-entry" value={settings.reentry ?? 'never'} onChange={(e) => setS({ reentry: e.target.value })}>
            {REENTRY.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </label>
        <div className="row">
          <label className="field"><span className="field-label">Time zone</span><input aria-label="Journey time zone" value={settings.timezone ?? ''} placeholder="the workspace's" onChange={(e) => setS({ timezone: e.target.value || undefined })} /></label>
          <label className="field"><span className="field-label">Language</span><input aria-label="Journey language" value={settings.language ?? ''} placeholder="fr, en…" onChange={(e) => setS({ language: e.target.value || undefined })} /></label>
        </div>
        <label className="check" style={{ marginBottom: 8 }}>
          <input type="checkbox" checked={!!settings.window} onChange={(e) => setS({ window: e.target.checked ? { ...fallbackWindow, timezone: fallbackWindow.timezone === 'contact' ? settings.timezone ?? 'UTC' : fallbackWindow.timezone } : null })} />
          Delivery window: send only on some days and hours
        </label>
        {settings.window && <WindowEditor value={settings.window} onChange={(window) => setS({ window })} path="settings.window" />}
        <p className="muted small">A wait that ends outside the window moves to its next opening (a 4-hour wait may become the next morning).</p>
      </Card>
    </div>
  );
}
