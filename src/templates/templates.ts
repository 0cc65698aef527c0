import { sql, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import { AppError, notFound } from '../errors.ts';
import { checkContent } from '../messages/index.ts';
import { BUILTIN, builtinContent, type BuiltinTemplate } from './builtin.ts';

/** A template as the gallery lists it: built-in ones have a name as id, a workspace's own a number. */
export interface TemplateSummary {
  id: string;
  kind: 'builtin' | 'own';
  name: string;
  category: string;
  description: string;
  channel: 'email' | 'sms';
  subject: string | null;
  created_at: Date | null;
}

export interface Template extends TemplateSummary {
  content: Record<string, unknown>;
}

/** The category a workspace's own templates are listed under. */
export const OWN_CATEGORY = 'Saved templates';

interface OwnRow {
  id: number;
  name: string;
  channel: 'email' | 'sms';
  content: Record<string, unknown>;
  created_at: Date;
}

const fromBuiltin = (t: BuiltinTemplate): TemplateSummary => ({
  id: t.id, kind: 'builtin', name: t.name, category: t.category, description: t.description, channel: t.channel, subject: t.subject ?? null, created_at: null,
});

const fromOwn = (r: OwnRow): Template => ({
  id: String(r.id), kind: 'own', name: r.name, category: OWN_CATEGORY, description: r.channel === 'email' ? 'Saved from a message of this workspace.' : 'An SMS saved from a message of this workspace.',
  channel: r.channel, subject: typeof r.content.subject === 'string' ? r.content.subject : null, created_at: r.created_at, content: r.content,
});

const summary = ({ content: _content, ...rest }: Template): TemplateSummary => rest;

/** A workspace's own template ids are numbers; anything else names a built-in template. */
const ownId = (id: string): number | null => (/^\d{1,15}$/.test(id) ? Number(id) : null);

/** The built-in gallery, then the workspace's own templates, newest first. */
export async function listTemplates(q: Queryable, workspaceId: number, channel?: 'email' | 'sms'): Promise<TemplateSummary[]> {
  const { rows } = await q.query<OwnRow>(sql`
    select id, name, channel, content, created_at from message_templates
     where workspace_id = ${workspaceId} and (${channel ?? null}::text is null or channel = ${channel ?? null})
     order by id desc`);
  const builtin = BUILTIN.filter((t) => !channel || t.channel === channel).map(fromBuiltin);
  return [...builtin, ...rows.map((r) => summary(fromOwn(r)))];
}

export async function getTemplate(q: Queryable, workspaceId: number, id: string): Promise<Template> {
  const own = ownId(id);
  if (own === null) {
    const t = BUILTIN.find((b) => b.id === id);
    if (!t) throw notFound('template');
    return { ...fromBuiltin(t), content: builtinContent(t) };
  }
  const { rows } = await q.query<OwnRow>(sql`
    select id, name, channel, content, created_at from message_templates where workspace_id = ${workspaceId} and id = ${own}`);
  if (!rows[0]) throw notFound('template');
  return fromOwn(rows[0]);
}

/** "Save as template": the content is checked as a message's is (fields named `content.…`). */
export async function saveTemplate(q: Queryable, clock: Clock, workspaceId: number, input: { name: string; channel: 'email' | 'sms'; content: unknown }, author: number | null = null): Promise<Template> {
  const content = checkContent(input.channel, input.content);
  const { rows } = await q.query<OwnRow>(sql`
    insert into message_templates (workspace_id, name, channel, content, created_at, created_by)
    values (${workspaceId}, ${input.name}, ${input.channel}, ${JSON.stringify(content)}, ${clock.now()}, ${author})
    returning id, name, channel, content, created_at`);
  return fromOwn(rows[0]);
}

/** Only a workspace's own templates can be deleted; messages made from one keep their copy. */
export async function deleteTemplate(q: Queryable, workspaceId: number, id: string): Promise<void> {
  const own = ownId(id);
  if (own === null) {
    if (BUILTIN.some((b) => b.id === id)) throw new AppError('forbidden', 'a built-in template cannot be deleted; only templates saved by this workspace can', [{ path: 'id', message: 'a built-in template' }]);
    throw notFound('template');
  }
  const r = await q.query(sql`delete from message_templates where workspace_id = ${workspaceId} and id = ${own}`);
  if (r.rowCount === 0) throw notFound('template');
}
