import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { addTags, joinLists, leaveLists, removeTags, setConsent, updateContactIn } from '../contacts/index.ts';
import { scheduleDeliveries, type NewDelivery } from '../delivery/index.ts';
import type { Effect, Result } from './engine.ts';

type Done = { row: { workspace_id: number; id: number; journey_id: number; version: number; contact_id: number }; result: Exclude<Result, { status: 'needs' }> };
type ActionEffect = Extract<Effect, { kind: 'action' }>;

/**
 * Applies a batch's effects set-wise, in the transaction that saves the new states: one
 * delivery insert, one statement per tag or list action, one step-log insert, one update.
 */
export async function applyEffects(ctx: Ctx, tx: Queryable, now: Date, done: Done[], contacts: Map<string, Record<string, any>>) {
  const sends: { d: Done; e: Extract<Effect, { kind: 'send' }> }[] = [];
  const actions: { d: Done; e: ActionEffect }[] = [];
  const visits: { d: Done; e: Extract<Effect, { kind: 'visit' }> }[] = [];
  for (const d of done)
    for (const e of d.result.effects) {
      if (e.kind === 'send') sends.push({ d, e });
      else if (e.kind === 'action') actions.push({ d, e });
      else visits.push({ d, e });
    }
  await queueSends(tx, now, sends, contacts);
  await runActions(ctx, tx, now, actions);
  // each batch of rows as one JSON parameter of positional arrays: cheaper on both sides than
  // an array parameter per column (node-pg escapes every element; the server parses each array)
  if (visits.length)
    await tx.query(sql`
      insert into enrollment_steps (workspace_id, enrollment_id, journey_id, version, step_id, branch_id, outcome, at)
      select (r ->> 0)::bigint, (r ->> 1)::bigint, (r ->> 2)::bigint, (r ->> 3)::int, r ->> 4, r ->> 5, r ->> 6, ${now}::timestamptz
        from jsonb_array_elements(${JSON.stringify(visits.map((v) => [v.d.row.workspace_id, v.d.row.id, v.d.row.journey_id, v.d.row.version, v.e.stepId, v.e.branchId ?? null, v.e.outcome]))}::jsonb) r
      on conflict do nothing`);
  const states = done.map((d) => [
    d.row.workspace_id, d.row.id, d.result.status, d.result.state.step, d.result.state.started, d.result.state.waitUntil,
    d.result.status === 'active' ? d.result.nextRunAt : null, d.result.status === 'exited' ? d.result.reason : null,
  ]);
  await tx.query(sql`
    update enrollments e set status = u.status, step_id = u.step_id, started = u.started, wait_until = u.wait_until,
           next_run_at = u.next_run_at, exit_reason = u.reason, finished_at = case when u.status = 'active' then null else ${now}::timestamptz end
      from (select (r ->> 0)::bigint as w, (r ->> 1)::bigint as id, r ->> 2 as status, r ->> 3 as step_id, (r ->> 4)::boolean as started,
                   (r ->> 5)::timestamptz as wait_until, (r ->> 6)::timestamptz as next_run_at, r ->> 7 as reason
              from jsonb_array_elements(${JSON.stringify(states)}::jsonb) r) u
     where e.workspace_id = u.w and e.id = u.id`);
}

/** Messages go out through the deliveries queue, keyed by enrollment and step: never twice (J-20). */
async function queueSends(tx: Queryable, now: Date, sends: { d: Done; e: Extract<Effect, { kind: 'send' }> }[], contacts: Map<string, Record<string, any>>) {
  if (!sends.length) return;
  // content edits apply to future sends at once (J-17): the message's current version
  const { rows } = await tx.query<{ workspace_id: number; id: number; version: number }>(sql`
    select workspace_id, id, version from messages
     where (workspace_id, id) in (select * from unnest(${sends.map((s) => s.d.row.workspace_id)}::bigint[], ${sends.map((s) => s.e.messageId)}::bigint[]))`);
  const versions = new Map(rows.map((r) => [`${r.workspace_id}:${r.id}`, r.version]));
  const list: NewDelivery[] = [];
  for (const { d, e } of sends) {
    const c = contacts.get(`${d.row.workspace_id}:${d.row.contact_id}`);
    const to = e.channel === 'email' ? c?.email : c?.phone;
    const version = versions.get(`${d.row.workspace_id}:${e.messageId}`);
    if (!to || !version) continue;
    list.push({
      workspaceId: d.row.workspace_id, idempotencyKey: `enrollment:${d.row.id}:step:${e.stepId}`, contactId: d.row.contact_id,
      messageId: e.messageId, messageVersion: version, channel: e.channel, to, source: 'journey', journeyId: d.row.journey_id,
      enrollmentId: d.row.id, stepId: e.stepId, data: { event: d.result.state.data }, sendAt: now,
    });
  }
  await scheduleDeliveries(tx, now, list);
}

/** Contact actions (J-11), grouped so each tag or list change is one statement. */
async function runActions(ctx: Ctx, tx: Queryable, now: Date, actions: { d: Done; e: ActionEffect }[]) {
  const groups = new Map<string, { ws: number; e: ActionEffect; contacts: number[] }>();
  for (const { d, e } of actions) {
    const s = e.step;
    if (s.action === 'set_field') {
      const field = s.field!;
      const input = ['email', 'phone', 'first_name', 'last_name', 'language', 'timezone', 'birthday'].includes(field)
        ? { [field]: e.value === null ? null : String(e.value) }
        : { fields: { [field]: e.value as any } };
      try {
        await updateContactIn(ctx, tx, d.row.workspace_id, d.row.contact_id, input, { source: 'journey' });
      } catch (err) {
        ctx.log.warn({ err, enrollment: d.row.id, step: e.stepId }, 'journey set_field skipped: invalid value');
      }
      continue;
    }
    const key = `${d.row.workspace_id}:${s.action}:${s.tag ?? ''}:${s.list_id ?? ''}`;
    const g = groups.get(key) ?? { ws: d.row.workspace_id, e, contacts: [] };
    g.contacts.push(d.row.contact_id);
    groups.set(key, g);
  }
  for (const { ws, e, contacts } of groups.values()) {
    const s = e.step;
    if (s.action === 'add_tag') await addTags(tx, now, ws, contacts, [s.tag!]);
    if (s.action === 'remove_tag') await removeTags(tx, now, ws, contacts, [s.tag!]);
    if (s.action === 'add_to_list') await joinLists(tx, now, ws, contacts, [s.list_id!], 'journey');
    if (s.action === 'remove_from_list') await leaveLists(tx, now, ws, contacts, [s.list_id!], 'journey');
    if (s.action === 'unsubscribe') for (const id of contacts) await setConsent(tx, now, ws, id, { channel: 'email', status: 'unsubscribed', source: 'journey' });
  }
}
