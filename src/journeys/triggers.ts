import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import type { DueSource } from '../queue/index.ts';
import { enqueue } from '../queue/index.ts';
import { pendingAfter, readLog, type LoggedEvent } from '../events/index.ts';
import { scheduleDeliveries } from '../delivery/index.ts';
import { enrollContacts, type Candidate } from './enroll.ts';
import { journeyAt, liveJourneys, type JourneyAt, type LiveJourney } from './live.ts';
import type { Definition, PropertyCondition } from './definition.ts';
import { CART_JOB, cartDelayMs } from './date-trigger.ts';

/**
 * Triggers (J-1 … J-5) consume the events log by cursor, in commit order: enrollments are
 * created and the cursor moves in one transaction, so an event triggers once, never zero times.
 */
export function triggerSource(ctx: Ctx, batch = 1000): DueSource {
  return {
    name: 'journey-triggers',
    async nextDueAt() {
      const cursor = await cursorOf(ctx.db);
      if ((await readLog(ctx.db, cursor, 1)).length) return ctx.clock.now();
      if (!(await pendingAfter(ctx.db, cursor))) return null;
      // rows behind an older transaction still running: look again shortly (a manual clock waits in runDue)
      return ctx.clock.manual ? ctx.clock.now() : new Date(ctx.clock.now().getTime() + 250);
    },
    async runDue(now) {
      const n = await consume(ctx, now, batch);
      if (n > 0 || !ctx.clock.manual) return n;
      // manual clock: everything due must run before time moves on, so wait for those rows
      for (let attempt = 0; attempt < 250 && (await pendingAfter(ctx.db, await cursorOf(ctx.db))); attempt++) {
        await new Promise((r) => setTimeout(r, 20));
        const m = await consume(ctx, now, batch);
        if (m > 0) return m;
      }
      return 0;
    },
  };
}

async function cursorOf(q: Queryable) {
  const { rows } = await q.query<{ xid: string; id: number }>(`select xid::text as xid, id from trigger_cursor where name = 'journeys'`);
  return rows[0];
}

function consume(ctx: Ctx, now: Date, batch: number): Promise<number> {
  return ctx.db.tx(async (tx) => {
    const { rows } = await tx.query<{ xid: string; id: number }>(`select xid::text as xid, id from trigger_cursor where name = 'journeys' for update skip locked`);
    if (!rows[0]) return 0; // another worker holds the cursor
    const events = await readLog(tx, rows[0], batch);
    if (events.length === 0) return 0;
    await matchEvents(ctx, tx, now, events);
    const last = events[events.length - 1];
    await tx.query(sql`update trigger_cursor set xid = ${last.xid}::xid8, id = ${last.id} where name = 'journeys'`);
    return events.length;
  });
}

async function matchEvents(ctx: Ctx, tx: Queryable, now: Date, events: LoggedEvent[]) {
  const journeys = await liveJourneys(tx, events);
  await welcomeEmails(tx, now, events, journeys);
  if (journeys.length === 0) return;
  const priorJoins = await earlierJoins(tx, events.filter((e) => e.type === 'list.joined'));
  for (const live of journeys) {
    // J-1: each event meets the journey as it was when the event was logged, if it was live then
    const byVersion = new Map<number, { j: JourneyAt; events: LoggedEvent[] }>();
    for (const e of events) {
      const j = e.contact_id === null ? null : journeyAt(live, e);
      if (j) (byVersion.get(j.version) ?? byVersion.set(j.version, { j, events: [] }).get(j.version)!).events.push(e);
    }
    for (const { j, events: mine } of byVersion.values()) await matchVersion(ctx, tx, now, live.workspace_id, j, mine, priorJoins);
  }
}

async function matchVersion(ctx: Ctx, tx: Queryable, now: Date, workspaceId: number, j: JourneyAt, mine: LoggedEvent[], priorJoins: Set<string>) {
  const t = j.definition.trigger;
  const candidates: Candidate[] = [];
  for (const e of mine) {
    const entry = { contactId: e.contact_id!, data: e.data ?? {}, entry: `e${e.id}` };
    if (t.type === 'list_joined' && e.type === 'list.joined' && t.list_ids.includes(Number(e.data.list_id))) {
      // J-1: re-joining a list does not re-trigger unless re-entry is allowed
      if (j.definition.settings.reentry === 'never' && priorJoins.has(`${e.id}`)) continue;
      candidates.push(entry);
    } else if (t.type === 'property_updated' && e.type === 'contact.updated' && e.data.field === t.field && matches(e.data.new, t.op, t.value)) {
      candidates.push(entry);
    } else if (t.type === 'event' && e.type === t.event && t.properties.every((p) => matchesProperty(e.data, p))) {
      candidates.push(entry);
    } else if (t.type === 'segment_entered' && e.type === 'segment.entered' && Number(e.data.segment_id) === t.segment_id) {
      candidates.push(entry);
    } else if (t.type === 'abandoned_cart' && e.type === t.cart_event) {
      // checked when the delay has passed: a purchase meanwhile, or a newer cart, decides
      await enqueue(tx, ctx.clock, {
        workspaceId, kind: CART_JOB, uniqueKey: `cart:${j.id}:${e.contact_id}`,
        payload: { journeyId: j.id, contactId: e.contact_id }, runAt: new Date(Math.max(now.getTime(), e.occurred_at.getTime() + delayMs(j.definition))),
      });
    }
  }
  if (candidates.length) await enrollContacts(ctx, tx, workspaceId, j, dedupe(candidates));
}

function delayMs(def: Definition): number {
  return def.trigger.type === 'abandoned_cart' ? cartDelayMs(def.trigger.delay) : 0;
}

/** Several events of one batch for one contact: the first enters, the rest would conflict anyway. */
function dedupe(c: Candidate[]): Candidate[] {
  const seen = new Set<number>();
  return c.filter((x) => !seen.has(x.contactId) && seen.add(x.contactId));
}

/** list.joined events whose contact had joined the same list before (J-1). */
async function earlierJoins(tx: Queryable, joins: LoggedEvent[]): Promise<Set<string>> {
  if (!joins.length) return new Set();
  const { rows } = await tx.query<{ id: number }>(sql`
    select u.id from unnest(${joins.map((e) => e.workspace_id)}::bigint[], ${joins.map((e) => e.contact_id)}::bigint[],
                            ${joins.map((e) => String(e.data.list_id))}::text[], ${joins.map((e) => e.id)}::bigint[]) as u(w, c, l, id)
     where exists (select 1 from events p where p.workspace_id = u.w and p.contact_id = u.c and p.type = 'list.joined'
                      and p.data->>'list_id' = u.l and p.id < u.id)`);
  return new Set(rows.map((r) => `${r.id}`));
}

/** J-18: a list's plain welcome email, unless a list-join journey on that list takes the contact. */
async function welcomeEmails(tx: Queryable, now: Date, events: LoggedEvent[], journeys: LiveJourney[]) {
  const joins = events.filter((e) => e.type === 'list.joined' && e.contact_id !== null);
  if (!joins.length) return;
  const { rows } = await tx.query<{ workspace_id: number; id: number; welcome_message_id: number; version: number; channel: string }>(sql`
    select l.workspace_id, l.id, l.welcome_message_id, m.version, m.channel from lists l
      join messages m on m.workspace_id = l.workspace_id and m.id = l.welcome_message_id
     where l.workspace_id = any(${[...new Set(joins.map((e) => e.workspace_id))]}::bigint[]) and l.welcome_message_id is not null`);
  if (!rows.length) return;
  const lists = new Map(rows.map((r) => [`${r.workspace_id}:${r.id}`, r]));
  // taken: a list-join journey on that list was live when the join was logged (J-1)
  const taken = (e: LoggedEvent) => journeys.some((live) => {
    const t = journeyAt(live, e)?.definition.trigger;
    return t?.type === 'list_joined' && t.list_ids.includes(Number(e.data.list_id));
  });
  const due = joins.filter((e) => lists.has(`${e.workspace_id}:${e.data.list_id}`) && !taken(e));
  if (!due.length) return;
  const { rows: cs } = await tx.query<{ workspace_id: number; id: number; email: string | null }>(sql`
    select workspace_id, id, email from contacts where (workspace_id, id) in (select * from unnest(${due.map((e) => e.workspace_id)}::bigint[], ${due.map((e) => e.contact_id)}::bigint[]))`);
  const emails = new Map(cs.map((c) => [`${c.workspace_id}:${c.id}`, c.email]));
  await scheduleDeliveries(tx, now, due.flatMap((e) => {
    const l = lists.get(`${e.workspace_id}:${e.data.list_id}`)!;
    const to = emails.get(`${e.workspace_id}:${e.contact_id}`);
    return to && l.channel === 'email'
      ? [{ workspaceId: e.workspace_id, idempotencyKey: `welcome:${l.id}:${e.contact_id}`, contactId: e.contact_id, messageId: l.welcome_message_id, messageVersion: l.version, channel: 'email' as const, to, source: 'system' as const, sendAt: now }]
      : [];
  }));
}

export function matches(v: unknown, op: string, expected: unknown): boolean {
  if (op === 'exists') return v !== null && v !== undefined && v !== '';
  if (op === 'contains') return typeof v === 'string' && String(expected ?? '').length > 0 && v.toLowerCase().includes(String(expected).toLowerCase());
  const num = typeof expected === 'number';
  const a = num ? Number(v) : v;
  if (op === 'eq') return num ? a === expected : String(v ?? '') === String(expected ?? '');
  if (op === 'neq') return num ? a !== expected : String(v ?? '') !== String(expected ?? '');
  if (op === 'gt') return Number(v) > Number(expected);
  if (op === 'lt') return Number(v) < Number(expected);
  return false;
}

function matchesProperty(data: Record<string, unknown>, p: PropertyCondition): boolean {
  return matches(p.property.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), data), p.op, p.value);
}
