import { Badge, formatDate } from '../ui/bits.tsx';
import { ConfirmButton } from '../ui/Confirm.tsx';
import { Thumbnail } from './Thumbnail.tsx';
import type { TemplateSummary } from './types.ts';

/** One template in the gallery: its look, what it is for, and what can be done with it. */
export function TemplateCard({ template: t, canWrite, busy, onUse, onPreview, onDelete }: {
  template: TemplateSummary;
  canWrite: boolean;
  busy: boolean;
  onUse(): void;
  onPreview(): void;
  onDelete(): void;
}) {
  return (
    <article className="tpl-card" data-testid="template-card" data-template={t.id} aria-label={t.name}>
      {/* a click on the look opens the preview too; the Preview button is the keyboard's way */}
      <div className="tpl-thumb-click" onClick={onPreview}>
        <Thumbnail template={t} />
      </div>
      <div className="tpl-body">
        <div className="tpl-title">
          <h3>{t.name}</h3>
          <Badge tone={t.kind === 'own' ? 'good' : 'neutral'}>{t.category}</Badge>
        </div>
        <p className="muted small">{t.description}</p>
        {t.kind === 'own' && t.created_at && <p className="muted small">Saved {formatDate(t.created_at)}</p>}
      </div>
      <div className="actions tpl-actions">
        {canWrite && <button type="button" className="primary" disabled={busy} onClick={onUse}>Use this template</button>}
        <button type="button" onClick={onPreview} aria-label={`Preview ${t.name}`}>Preview</button>
        {canWrite && t.kind === 'own' && (
          <ConfirmButton className="danger" question={<>Delete the template <b>{t.name}</b>? Messages already made from it keep their content.</>} confirmLabel="Delete template" onConfirm={onDelete}>
            Delete
          </ConfirmButton>
        )}
      </div>
    </article>
  );
}
