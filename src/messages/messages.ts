import { sql, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import { AppError, notFound } from '../errors.ts';
import { compileEmail, compileSms, smsSegments, type CompiledEmail, type CompiledSms } from './render/index.ts';
import { emailContent, emailVersion, smsContent, smsVersion, type EmailContent, type SmsContent } from './content.ts';

export interface MessageRow {
  id: number;
  name: string;
  channel: 'email' | 'sms';
  version: number;
  content: EmailContent | SmsContent;
  created_at: Date;
  updated_at: Date;
}

/** Parses and compiles every language version, so a broken template is refused when saved. */
export function checkContent(channel: 'email' | 'sms', raw: unknown): EmailContent | SmsContent {
  const parsed = (channel === 'email' ? emailContent : smsContent).safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({ path: ['content', ...i.path].join('.'), message: i.message }));
    throw new AppError('validation', `${details[0].path}: ${details[0].message}`, details);
  }
  const content = parsed.data;
  const langs = [null, ...Object.keys(content.languages ?? {})];
  for (const lang of langs) {
    const at = lang ? `content.languages.${lang}` : 'content';
    try {
      if (channel === 'email') compileEmail(emailVersion(content as EmailContent, lang));
      else compileSms(smsVersion(content as SmsContent, lang));
    } catch (err) {
      if (err instanceof AppError) {
        const details = err.details.map((d) => ({ ...d, path: `${at}.${d.path}` }));
        throw new AppError('validation', `${details[0]?.path ?? at}: ${details[0]?.message ?? err.message}`, details);
      }
      throw err;
    }
  }
  return content;
}

/** `author`: the user who writes it (none for an API key or the platform), kept with the version. */
export async function createMessage(q: Queryable, clock: Clock, workspaceId: number, input: { name: string; channel: 'email' | 'sms'; content: unknown }, author: number | null = null) {
  const content = checkContent(input.channel, input.content);
  const now = clock.now();
  const { rows } = await q.query<{ id: number }>(sql`
    insert into messages (workspace_id, name, channel, created_at, updated_at)
    values (${workspaceId}, ${input.name}, ${input.channel}, ${now}, ${now}) returning id`);
  await q.query(sql`
    insert into message_versions (workspace_id, message_id, version, content, created_at, created_by)
    values (${workspaceId}, ${rows[0].id}, 1, ${JSON.stringify(content)}, ${now}, ${author})`);
  return getMessage(q, workspaceId, rows[0].id);
}

/**
 * The platform's own message of that name in the workspace (a confirmation, a code, an
 * invitation): the oldest one, or created now. Editable by the workspace like any other.
 */
export async function systemMessage(q: Queryable, clock: Clock, workspaceId: number, input: { name: string; channel: 'email' | 'sms'; content: unknown }): Promise<{ id: number; version: number }> {
  const { rows } = await q.query<{ id: number; version: number }>(sql`
    select id, version from messages where workspace_id = ${workspaceId} and name = ${input.name} order by id limit 1`);
  return rows[0] ?? createMessage(q, clock, workspaceId, input);
}

/** An edit is a new version: deliveries already queued keep rendering the version they name. */
export async function updateMessage(q: Queryable, clock: Clock, workspaceId: number, id: number, patch: { name?: string; content?: unknown }, author: number | null = null) {
  const current = await getMessage(q, workspaceId, id);
  const now = clock.now();
  if (patch.content !== undefined) {
    const content = checkContent(current.channel, patch.content);
    await q.query(sql`
      insert into message_versions (workspace_id, message_id, version, content, created_at, created_by)
      values (${workspaceId}, ${id}, ${current.version + 1}, ${JSON.stringify(content)}, ${now}, ${author})`);
  }
  await q.query(sql`
    update messages set name = coalesce(${patch.name ?? null}, name), updated_at = ${now},
           version = version + ${patch.content !== undefined ? 1 : 0}
     where workspace_id = ${workspaceId} and id = ${id}`);
  return getMessage(q, workspaceId, id);
}

export async function getMessage(q: Queryable, workspaceId: number, id: number, version?: number): Promise<MessageRow> {
  const { rows } = await q.query<MessageRow>(sql`
    select m.id, m.name, m.channel, v.version, v.content, m.created_at, m.updated_at
      from messages m join message_versions v on v.workspace_id = m.workspace_id and v.message_id = m.id
     where m.workspace_id = ${workspaceId} and m.id = ${id} and v.version = coalesce(${version ?? null}::int, m.version)`);
  if (!rows[0]) throw notFound('message');
  return rows[0];
}

export async function listMessages(q: Queryable, workspaceId: number) {
  const { rows } = await q.query(sql`
    select id, name, channel, version, created_at, updated_at from messages where workspace_id = ${workspaceId} order by id desc`);
  return rows;
}

export async function deleteMessage(q: Queryable, workspaceId: number, id: number) {
  const used = await q.query(sql`select 1 from deliveries where workspace_id = ${workspaceId} and message_id = ${id} limit 1`);
  if (used.rows[0]) throw new AppError('conflict', 'this message has deliveries; it is kept for their record');
  const r = await q.query(sql`delete from messages where workspace_id = ${workspaceId} and id = ${id}`);
  if (r.rowCount === 0) throw notFound('message');
}

export function describeSms(content: SmsContent) {
  return {
    default: smsSegments(content.text),
    languages: Object.fromEntries(Object.entries(content.languages ?? {}).map(([l, v]) => [l, smsSegments(v.text)])),
  };
}

/** One language version of a message, compiled (MJML to HTML, Liquid parsed). */
export function compileMessage(m: Pick<MessageRow, 'channel' | 'content'>, lang: string | null): CompiledEmail | CompiledSms {
  return m.channel === 'email' ? compileEmail(emailVersion(m.content as EmailContent, lang)) : compileSms(smsVersion(m.content as SmsContent, lang));
}

/**
 * Compiled versions, cached by (workspace, message, version, language): MJML and Liquid are
 * compiled once per version, not once per recipient. Versions never change, so no invalidation.
 */
export class CompiledCache {
  private readonly map = new Map<string, CompiledEmail | CompiledSms>();
  constructor(private readonly max = 1000) {}

  get(workspaceId: number, m: MessageRow, lang: string | null): CompiledEmail | CompiledSms {
    const key = `${workspaceId}:${m.id}:${m.version}:${lang ?? ''}`;
    let c = this.map.get(key);
    if (!c) {
      c = compileMessage(m, lang);
      if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
      this.map.set(key, c);
    }
    return c;
  }
}
