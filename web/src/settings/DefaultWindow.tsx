import { useState } from 'react';
import { patch } from '../api.ts';
import { useAction } from '../data.ts';
import { useSession } from '../session.tsx';
import { Card } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { useDefaultWindow, WindowEditor, type DeliveryWindow } from '../ui/WindowEditor.tsx';

/**
 * The workspace's usual delivery window (M-4): new journeys and campaigns start from it when a
 * window is turned on. Each journey and campaign keeps its own copy, which is what sending obeys.
 */
export function DefaultWindow() {
  const { me, refresh } = useSession();
  const current = useDefaultWindow();
  const [w, setW] = useState<DeliveryWindow>(current);
  const save = useAction((b: any) => patch('/api/v1/workspace', b), ['/api/v1/workspace'], () => void refresh());
  const saved = !!me?.workspace.settings?.default_window;
  return (
    <Card title="Usual delivery window">
      <p className="muted">
        Messages may be held to days and hours, in a time zone. Journeys (Settings tab of a journey) and campaigns (Options step) each have
        their own window; turning one on starts from this one. {saved ? '' : 'Not set yet: weekdays 9:00–18:00 in the workspace’s zone is proposed.'}
      </p>
      <ErrorBanner error={save.error} />
      {save.isSuccess && <div className="banner good">Saved.</div>}
      <WindowEditor value={w} onChange={setW} error={save.error} path="settings.default_window" contactZone />
      <div className="actions">
        <button className="primary" disabled={save.isPending} onClick={() => save.mutate({ settings: { default_window: w } })}>Save window</button>
        {saved && <button onClick={() => save.mutate({ settings: { default_window: null } })}>Forget it</button>}
      </div>
    </Card>
  );
}
