import type { Ctx } from '../context.ts';
import { getWorkspace } from '../accounts/index.ts';
import { loadFieldDefs } from '../contacts/index.ts';
import { nextOpening, type DeliveryWindow } from '../delivery/index.ts';
import type { EmailContent, MessageRow, SmsContent } from '../messages/index.ts';
import { LINK_VARIABLES, unknownVariables, type KnownVariables, type TemplatePath } from '../messages/render/index.ts';
import { recipientZones, type Audience } from './recipients.ts';
import type { FrozenVariant } from './store.ts';

/** What a campaign's messages may name (K-6): no event, no data; links in email only. */
async function knownVariables(ctx: Ctx, ws: number, channel: 'email' | 'sms'): Promise<KnownVariables> {
  const [fields, w] = await Promise.all([loadFieldDefs(ctx.db, ws), getWorkspace(ctx.db, ws)]);
  const profile = (w.settings as { profile?: Record<string, unknown> }).profile ?? {};
  return {
    customFields: [...fields.keys()],
    workspaceFields: ['id', 'name', ...Object.keys(profile)],
    links: channel === 'email' ? LINK_VARIABLES : [],
    roots: [],
  };
}

/** Each Liquid part a version defines: the default's, then only what a language version overrides. */
function partsOf(m: MessageRow): { lang: string | null; path: TemplatePath; source: string }[] {
  const out: { lang: string | null; path: TemplatePath; source: string }[] = [];
  const add = (lang: string | null, parts: Partial<Record<TemplatePath, string>>) => {
    for (const path of ['subject', 'preheader', 'body', 'text'] as const) if (typeof parts[path] === 'string') out.push({ lang, path, source: parts[path] });
  };
  if (m.channel === 'sms') {
    const c = m.content as SmsContent;
    add(null, { text: c.text });
    for (const [lang, l] of Object.entries(c.languages ?? {})) add(lang, { text: l.text });
  } else {
    const c = m.content as EmailContent;
    add(null, c);
    for (const [lang, l] of Object.entries(c.languages ?? {})) add(lang, l);
  }
  return out;
}

/**
 * Broken personalization (K-6, issue 17): every variable of every part of every version that
 * is not a contact field, custom field, workspace field or link, named with where it is.
 */
export async function variableProblems(ctx: Ctx, ws: number, channel: 'email' | 'sms', variants: FrozenVariant[], messages: MessageRow[], label: (v: FrozenVariant, lang: string | null) => string): Promise<string[]> {
  const known = await knownVariables(ctx, ws, channel);
  const problems: string[] = [];
  variants.forEach((v, i) => {
    for (const p of partsOf(messages[i])) {
      try {
        for (const u of unknownVariables(p.source, p.path, known))
          problems.push(`${label(v, p.lang)}: ${u.path} line ${u.row}, col ${u.col}: {{ ${u.name} }}: ${u.why}`);
      } catch (err) {
        problems.push(`${label(v, p.lang)}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  });
  return problems;
}

/**
 * A deadline the delivery window leaves no time for (issue 17): when the window first opens at
 * or after the deadline (in the window's zone, or in each recipient's own), those messages
 * could only expire.
 */
export async function windowProblems(ctx: Ctx, ws: number, audience: Audience, window: DeliveryWindow | undefined, start: Date, deadline: Date): Promise<string[]> {
  if (!window) return [];
  const fallback = (await getWorkspace(ctx.db, ws)).timezone;
  const zones = window.timezone === 'contact' ? await recipientZones(ctx.db, audience, fallback) : [window.timezone];
  const late: { zone: string; open: Date }[] = [];
  for (const zone of zones) {
    let open: Date;
    try {
      open = nextOpening({ ...window, timezone: zone }, start);
    } catch {
      open = nextOpening({ ...window, timezone: fallback }, start);
    }
    if (open.getTime() >= deadline.getTime()) late.push({ zone, open });
  }
  if (!late.length) return [];
  const first = late.sort((a, b) => a.open.getTime() - b.open.getTime())[0];
  const where = window.timezone === 'contact' ? (late.length === zones.length ? ' for every recipient' : ` for the recipients in ${late.map((l) => l.zone).slice(0, 5).join(', ')}${late.length > 5 ? ' …' : ''}`) : '';
  return [`the deadline ${deadline.toISOString()} comes before the delivery window opens${where} (${first.open.toISOString()} at the earliest): ${late.length === zones.length ? 'every message' : 'their messages'} would expire`];
}
