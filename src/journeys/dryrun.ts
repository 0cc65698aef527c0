import { sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { criteriaEnv, explainContact, parseCriteria, selectMemberIds } from '../segments/index.ts';
import { advance, initialState } from './engine.ts';
import { batchFacts } from './facts.ts';
import { getJourney } from './store.ts';

export interface TimelineEntry {
  at: string;
  step_id: string | null;
  what: string;
  branch?: string;
  why?: string;
}

/**
 * Simulates a journey for contacts without sending or changing anything: the exact times
 * after waits and windows, the branch taken and why. Conditions are evaluated as the contact
 * stands now, and simulated messages count as not opened.
 */
export async function dryRun(ctx: Ctx, workspaceId: number, journeyId: number, opts: { contactId?: number; sample?: number; days: number; from?: Date }) {
  const j = await getJourney(ctx.db, workspaceId, journeyId);
  const def = j.definition;
  const start = opts.from ?? ctx.clock.now();
  const end = new Date(start.getTime() + opts.days * 86_400_000);
  const env = await criteriaEnv(ctx.db, workspaceId, start);
  let ids: number[];
  if (opts.contactId) {
    const { rows } = await ctx.db.query(sql`select 1 from contacts where workspace_id = ${workspaceId} and id = ${opts.contactId}`);
    if (!rows[0]) throw new AppError('validation', 'contact_id: no such contact', [{ path: 'contact_id', message: 'no such contact in this workspace' }]);
    ids = [opts.contactId];
  } else {
    const filter = def.entry_filter ? parseCriteria(def.entry_filter, env.fields) : { all: [] };
    const { rows } = await ctx.db.query<{ id: number }>(sql`${selectMemberIds(filter as any, env)} order by c.id limit ${opts.sample ?? 10}`);
    ids = rows.map((r) => r.id);
  }
  const { rows: cs } = await ctx.db.query<Record<string, any>>(sql`select id, email, phone, to_char(birthday, 'YYYY-MM-DD') as birthday, fields, timezone from contacts where workspace_id = ${workspaceId} and id = any(${ids}::bigint[])`);
  const contacts = new Map(cs.map((c) => [c.id as number, c]));
  const { facts } = await batchFacts(ctx.db, workspaceId, def, ids, start, contacts);
  const why = new Map<string, { result: boolean; text: string }>();
  for (const s of def.steps)
    if (s.type === 'split')
      for (const b of s.branches)
        for (const id of ids) {
          const explained: any = await explainContact(ctx.db, parseCriteria(b.criteria, env.fields), id, env);
          facts.get(id)!.splits.set(`${s.id}:${b.id}`, !!explained.result);
          why.set(`${id}:${s.id}:${b.id}`, { result: !!explained.result, text: leafTexts(explained.criteria).join(', ') });
        }
  const c = { stopped: false, listTriggered: def.trigger.type === 'list_joined', timezone: def.settings.timezone ?? env.timezone };
  return ids.map((id) => ({ contact_id: id, timeline: simulate(id, def, facts.get(id)!, c, start, end, why) }));
}

function simulate(contactId: number, def: any, facts: any, c: any, start: Date, end: Date, why: Map<string, { result: boolean; text: string }>): TimelineEntry[] {
  const out: TimelineEntry[] = [{ at: start.toISOString(), step_id: null, what: 'enters the journey' }];
  let state = initialState(0, contactId, {});
  let now = start;
  for (let i = 0; i < 200; i++) {
    const r = advance(state, def, facts, { ...c, now });
    if (r.status === 'needs') break;
    for (const e of r.effects) {
      if (e.kind === 'send') out.push({ at: now.toISOString(), step_id: e.stepId, what: `sends ${e.channel} message ${e.messageId}` });
      if (e.kind === 'action') out.push({ at: now.toISOString(), step_id: e.stepId, what: `${e.step.action.replace(/_/g, ' ')}${e.step.tag ? ` ${e.step.tag}` : ''}${e.step.list_id ? ` list ${e.step.list_id}` : ''}${e.step.field ? ` ${e.step.field} = ${JSON.stringify(e.value)}` : ''}` });
      if (e.kind === 'visit' && e.branchId) {
        const reason = [...why].filter(([k]) => k.startsWith(`${contactId}:${e.stepId}:`)).map(([k, v]) => `${k.split(':')[2]} ${v.result ? 'holds' : 'fails'} (${v.text})`).join('; ');
        out.push({ at: now.toISOString(), step_id: e.stepId, what: 'takes a branch', branch: e.branchId, why: reason || 'random split' });
      }
    }
    if (r.status === 'active') {
      if (r.nextRunAt.getTime() > end.getTime()) {
        out.push({ at: end.toISOString(), step_id: r.state.step, what: `still waiting at the end of the period (until ${r.nextRunAt.toISOString()})` });
        break;
      }
      out.push({ at: now.toISOString(), step_id: r.state.step, what: `waits until ${r.nextRunAt.toISOString()}` });
      state = r.state;
      now = r.nextRunAt;
      continue;
    }
    out.push({ at: now.toISOString(), step_id: r.state.step, what: r.status === 'completed' ? 'completes the journey' : `exits (${r.reason})` });
    break;
  }
  return out;
}

function leafTexts(n: any): string[] {
  if (!n) return [];
  if (Array.isArray(n.all)) return n.all.flatMap(leafTexts);
  if (Array.isArray(n.any)) return n.any.flatMap(leafTexts);
  return typeof n.text === 'string' ? [n.text] : [];
}
