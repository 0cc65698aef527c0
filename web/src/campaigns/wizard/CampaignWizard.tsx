import { useEffect, useState } from 'react';
import { ApiError, patch, post } from '../../api.ts';
import { invalidate } from '../../data.ts';
import { Card } from '../../ui/bits.tsx';
import { ErrorBanner } from '../../ui/form.tsx';
import { fromCampaign, WIZARD_STEPS, type Draft } from '../draft.ts';
import { AbTestStep } from './AbTestStep.tsx';
import { OptionsStep } from './OptionsStep.tsx';
import { RecipientsStep } from './RecipientsStep.tsx';
import { ScheduleStep } from './ScheduleStep.tsx';

type Busy = null | 'save' | 'calculate' | 'prepare';

/**
 * The campaign wizard (K-1 … K-5): recipients, A/B test, schedule, options. Each action saves
 * the draft first, so what is counted and prepared is what is on screen.
 */
export function CampaignWizard({ c }: { c: any }) {
  const base = `/api/v1/campaigns/${c.id}`;
  const [d, setD] = useState<Draft>(() => fromCampaign(c));
  const [dirty, setDirty] = useState(false);
  const [step, setStep] = useState(0);
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<unknown>(null);
  const [counts, setCounts] = useState<any>(c.checklist?.calculation);
  useEffect(() => {
    if (!dirty) setD(fromCampaign(c));
  }, [c.updated_at]);
  const set = (p: Partial<Draft>) => { setD((x) => ({ ...x, ...p })); setDirty(true); };

  const run = async (what: Exclude<Busy, null>) => {
    setBusy(what);
    setError(null);
    try {
      if (dirty || what === 'save') {
        await patch(base, d);
        setDirty(false);
      }
      if (what === 'calculate') setCounts(await post(`${base}/calculate`, {}));
      if (what === 'prepare') await post(`${base}/prepare`, {});
      await invalidate(base, '/api/v1/campaigns', '/api/v1/approvals');
    } catch (e) {
      setError(e);
      const bad = WIZARD_STEPS.findIndex((s) => hasError(e, s.paths));
      if (bad >= 0) setStep(bad);
    } finally {
      setBusy(null);
    }
  };
  const inline = WIZARD_STEPS.flatMap((s) => s.paths);
  const current = WIZARD_STEPS[step].key;

  return (
    <Card title="Set up the campaign" actions={dirty ? <span className="muted small">unsaved changes</span> : undefined}>
      <nav className="wizard-steps" aria-label="Wizard steps">
        {WIZARD_STEPS.map((s, i) => (
          <button key={s.key} className={`${i === step ? 'on' : ''}${hasError(error, s.paths) ? ' err' : ''}`} onClick={() => setStep(i)}>{i + 1}. {s.label}</button>
        ))}
      </nav>
      <ErrorBanner error={error} fields={inline} />
      {current === 'recipients' && <RecipientsStep d={d} set={set} error={error} calc={{ data: counts, isPending: busy === 'calculate', run: () => void run('calculate') }} />}
      {current === 'ab' && <AbTestStep d={d} set={set} error={error} />}
      {current === 'schedule' && <ScheduleStep d={d} set={set} error={error} />}
      {current === 'options' && <OptionsStep d={d} set={set} error={error} />}
      <div className="actions" style={{ marginTop: 16, justifyContent: 'space-between' }}>
        <div className="actions">
          <button disabled={step === 0} onClick={() => setStep(step - 1)}>Back</button>
          <button disabled={step === WIZARD_STEPS.length - 1} onClick={() => setStep(step + 1)}>Next</button>
        </div>
        <div className="actions">
          <button disabled={busy !== null} onClick={() => void run('save')}>{busy === 'save' ? 'Saving…' : 'Save draft'}</button>
          <button className="primary" disabled={busy !== null} onClick={() => void run('prepare')}>{busy === 'prepare' ? 'Checking…' : 'Prepare for approval'}</button>
        </div>
      </div>
    </Card>
  );
}

/** Whether the error names a field under one of the paths (a step's fields). */
function hasError(e: unknown, paths: string[]): boolean {
  const dotted = (p: string) => p.replace(/\[(\d+)\]/g, '.$1');
  return e instanceof ApiError && e.details.some((x) => paths.some((p) => dotted(x.path) === p || dotted(x.path).startsWith(`${p}.`)));
}
