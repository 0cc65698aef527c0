import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { createMessage, emailVersion, getMessage, pickLanguage, updateMessage, type EmailContent, type MessageRow } from '../messages/index.ts';
import { hasUnsubscribeLink, validateUrls } from '../messages/render/index.ts';
import { getContact } from '../contacts/index.ts';
import { previewRow, renderFor } from '../delivery/index.ts';
import { variableProblems, windowProblems } from './checks.ts';
import { startTime } from './definition.ts';
import { calculate, sampleRecipients, type Audience, type Calculation } from './recipients.ts';
import type { Campaign, Frozen, FrozenVariant } from './store.ts';

export interface Check {
  key: 'sender' | 'subject' | 'unsubscribe_link' | 'personalization' | 'links' | 'recipients' | 'schedule' | 'language';
  label: string;
  ok: boolean;
  problems: string[];
}

export const SAMPLE_SIZE = 20;

const languagesOf = (m: MessageRow) => Object.keys((m.content as { languages?: Record<string, unknown> }).languages ?? {});

/**
 * Fixes the versions the campaign will send (K-6: what is checked is what goes out). A variant
 * that overrides the subject gets a message of its own, kept and updated by later prepares.
 */
export async function freeze(ctx: Ctx, tx: Queryable, ws: number, c: Campaign): Promise<Frozen> {
  const base = await getMessage(tx, ws, c.message_id);
  const options: Record<string, unknown> = {};
  if (c.options.subject_prefix) options.subject_prefix = c.options.subject_prefix;
  if (c.options.window) options.window = c.options.window;
  const pinned = (m: MessageRow, id: string | null, extra: Record<string, unknown> = {}, derived = false): FrozenVariant =>
    ({ id, message_id: m.id, version: m.version, languages: languagesOf(m), options: { ...options, ...extra }, ...(derived ? { derived } : {}) });
  if (!c.ab_test) return { channel: base.channel, variants: [pinned(base, null)] };
  const variants: FrozenVariant[] = [];
  for (const v of c.ab_test.variants) {
    let m = v.message_id ? await getMessage(tx, ws, v.message_id) : base;
    const extra = v.from ? { from: v.from } : {};
    if (v.subject && m.channel === 'email') {
      const content = m.content as EmailContent;
      const languages = Object.fromEntries(Object.entries(content.languages ?? {}).map(([l, x]) => [l, { ...x, subject: undefined }]));
      const wanted = { ...content, subject: v.subject, languages };
      const previous = c.frozen?.variants.find((x) => x.id === v.id && x.derived);
      m = previous
        ? await updateMessage(tx, ctx.clock, ws, previous.message_id, { content: wanted })
        : await createMessage(tx, ctx.clock, ws, { name: `${c.name} · variant ${v.id}`, channel: 'email', content: wanted });
      variants.push(pinned(m, v.id, extra, true));
    } else variants.push(pinned(m, v.id, extra));
  }
  return { channel: base.channel, variants };
}

const label = (v: FrozenVariant, lang: string | null) => [v.id ? `variant ${v.id}` : '', lang ? `(${lang})` : ''].filter(Boolean).join(' ') || 'message';

/**
 * The checklist of "Prepare" (K-6): sender, subject, unsubscribe link, links, a render of the
 * message for a sample of recipients, the recipient count, the timing and a forced language.
 */
export async function runChecklist(ctx: Ctx, ws: number, c: Campaign, frozen: Frozen, audience: Audience): Promise<{ ok: boolean; checks: Check[]; calculation: Calculation }> {
  const messages = await Promise.all(frozen.variants.map((v) => getMessage(ctx.db, ws, v.message_id, v.version)));
  const email = frozen.channel === 'email';
  const checks: Check[] = [];
  const add = (key: Check['key'], text: string, problems: string[]) => checks.push({ key, label: text, ok: problems.length === 0, problems: [...new Set(problems)] });

  const versions = frozen.variants.flatMap((v, i) => [null, ...v.languages].map((lang) => ({ v, lang, m: messages[i] })));
  if (email) {
    const senders = (await ctx.db.query<{ id: number }>(sql`select id from sender_identities where workspace_id = ${ws}`)).rows.map((r) => r.id);
    add('sender', 'A sender identity is set', frozen.variants.flatMap((v, i) => {
      if (v.options.from) return [];
      const id = (messages[i].content as EmailContent).sender_id;
      if (id && !senders.includes(id)) return [`${label(v, null)}: sender identity #${id} no longer exists`];
      return senders.length ? [] : ['no sender identity: add one (from name and address) before sending'];
    }));
    const parts = versions.map(({ v, lang, m }) => ({ where: label(v, lang), ...emailVersion(m.content as EmailContent, lang) }));
    add('subject', 'Every version has a subject', parts.filter((p) => !p.subject.trim()).map((p) => `${p.where}: empty subject`));
    add('unsubscribe_link', 'Every version has an unsubscribe link', parts.filter((p) => !hasUnsubscribeLink(p.body)).map((p) => `${p.where}: no {{ unsubscribe_url }} link`));
    add('links', 'Every link is a valid URL', parts.flatMap((p) => validateUrls(p.body).map((u) => `${p.where}: ${u.href} (${u.reason})`)));
  }

  const calculation = await calculate(ctx.db, audience);
  add('recipients', 'The campaign has recipients', calculation.recipients > 0 ? [] : ['no recipient: the lists and segments are empty, excluded or without consent']);
  add('personalization', `Every variable exists and the message renders for ${SAMPLE_SIZE} sample recipients`, [
    ...(await variableProblems(ctx, ws, frozen.channel, frozen.variants, messages, label)),
    ...(await renderSample(ctx, ws, audience, frozen, checks)),
  ].slice(0, 50));

  const timing: string[] = [];
  const now = ctx.clock.now();
  let start = now;
  try {
    start = startTime(c.schedule, now);
    if (start.getTime() <= now.getTime() && c.schedule.type === 'at') timing.push(`the scheduled time ${start.toISOString()} has passed`);
  } catch (err) {
    timing.push(err instanceof Error ? err.message : String(err));
  }
  const deadline = c.options.deadline ? new Date(c.options.deadline) : null;
  if (deadline && deadline.getTime() <= start.getTime()) timing.push(`the deadline ${c.options.deadline} is not after the start`);
  else if (deadline) timing.push(...(await windowProblems(ctx, ws, audience, c.options.window, start, deadline)));
  add('schedule', 'The timing is possible', timing);

  const forced = c.options.language;
  add('language', 'The forced language version exists', forced
    ? frozen.variants.filter((v, i) => pickLanguage(languagesOf(messages[i]), forced) !== forced).map((v) => `${label(v, null)}: no ${forced} version`)
    : []);
  return { ok: checks.every((x) => x.ok), checks, calculation };
}

/** Renders every variant for a sample of recipients exactly as the sender would; failures are listed. */
async function renderSample(ctx: Ctx, ws: number, audience: Audience, frozen: Frozen, checks: Check[]): Promise<string[]> {
  const problems: string[] = [];
  const linkProblems: string[] = [];
  const ids = await sampleRecipients(ctx.db, audience, SAMPLE_SIZE);
  for (const id of ids) {
    const contact = await getContact(ctx.db, ws, id);
    for (const v of frozen.variants) {
      const row = { ...previewRow(ws, { id: v.message_id, version: v.version, channel: frozen.channel }, contact), options: v.options as any, transactional: false };
      try {
        const out = await renderFor(ctx, row);
        if (!out) problems.push(`${label(v, null)}: the message version is gone`);
        else if (out.channel === 'email') {
          if (!out.subject.trim()) problems.push(`${label(v, out.language)} for contact #${id}: the subject renders empty`);
          linkProblems.push(...validateUrls(out.html).map((u) => `${label(v, out.language)} for contact #${id}: ${u.href} (${u.reason})`));
        } else if (!out.body.trim()) problems.push(`${label(v, out.language)} for contact #${id}: the text renders empty`);
      } catch (err) {
        problems.push(`${label(v, null)} for contact #${id}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  const links = checks.find((x) => x.key === 'links');
  if (links && linkProblems.length) {
    links.problems = [...new Set([...links.problems, ...linkProblems])].slice(0, 50);
    links.ok = false;
  }
  return problems.slice(0, 50);
}
