import { useState } from 'react';
import { del } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { useCan } from '../ui/permissions.ts';
import { Card, Empty, Loading, PageHeader } from '../ui/bits.tsx';
import { ErrorBanner } from '../ui/form.tsx';
import { PreviewDialog } from './PreviewDialog.tsx';
import { TemplateCard } from './TemplateCard.tsx';
import type { TemplateSummary } from './types.ts';
import { useTemplateAction } from './useTemplate.ts';
import './templates.css';

type Channel = 'email' | 'sms';
/**
 * The template gallery (issue 19, M-7): built-in responsive emails and SMS starters, and the
 * workspace's own saved templates. "Use this template" copies one into a new message and opens
 * it; the channel is in the URL (/templates?channel=sms) so a link can open either.
 */
export function TemplatesPage() {
  const { query } = useLocation();
  const channel: Channel = query.get('channel') === 'sms' ? 'sms' : 'email';
  const canWrite = useCan()('write');
  const q = useGet<{ data: TemplateSummary[] }>(`/api/v1/templates?channel=${channel}`);
  const use = useTemplateAction();
  const remove = useAction((id: string) => del(`/api/v1/templates/${encodeURIComponent(id)}`), ['/api/v1/templates']);
  const [shown, setShown] = useState<TemplateSummary | null>(null);
  const rows = q.data?.data ?? [];
  const builtin = rows.filter((t) => t.kind === 'builtin');
  const own = rows.filter((t) => t.kind === 'own');
  const card = (t: TemplateSummary) => (
    <TemplateCard key={t.id} template={t} canWrite={canWrite} busy={use.isPending}
      onUse={() => use.mutate(t)} onPreview={() => setShown(t)} onDelete={() => remove.mutate(t.id)} />
  );
  const setChannel = (c: Channel) => navigate(c === 'sms' ? '/templates?channel=sms' : '/templates', true);
  return (
    <>
      <PageHeader
        title="Templates"
        sub={<>Start a message from a ready-made design: every template is responsive, passes Prepare's checklist as it is and can be edited freely. Or <Link to="/messages">start from a blank message</Link>.</>}
      />
      <div className="tabs" role="group" aria-label="Channel">
        <button type="button" className={channel === 'email' ? 'active' : ''} aria-pressed={channel === 'email'} onClick={() => setChannel('email')}>Email</button>
        <button type="button" className={channel === 'sms' ? 'active' : ''} aria-pressed={channel === 'sms'} onClick={() => setChannel('sms')}>SMS</button>
      </div>
      <ErrorBanner error={use.error ?? remove.error ?? q.error} />
      {q.isLoading ? <Loading what="Loading the templates" /> : (
        <>
          <section aria-labelledby="tpl-gallery">
            <h2 id="tpl-gallery" className="tpl-section">{channel === 'email' ? 'Email templates' : 'SMS starters'} <span className="muted small">{builtin.length}</span></h2>
            <div className="tpl-grid" data-testid="template-gallery">{builtin.map(card)}</div>
          </section>
          <section aria-labelledby="tpl-own">
            <h2 id="tpl-own" className="tpl-section">Saved by this workspace <span className="muted small">{own.length}</span></h2>
            {own.length === 0 ? (
              <Card><Empty title={`No saved ${channel === 'email' ? 'email' : 'SMS'} template yet`}>Templates this workspace saves from its own messages are listed here, for everyone in it to reuse.</Empty></Card>
            ) : <div className="tpl-grid" data-testid="own-templates">{own.map(card)}</div>}
          </section>
        </>
      )}
      {shown && <PreviewDialog template={shown} canUse={canWrite} onClose={() => setShown(null)} onUse={() => { setShown(null); use.mutate(shown); }} />}
    </>
  );
}
