import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { inLanes, type DueSource } from '../queue/index.ts';
import { advance, type EnrollmentState, type Result } from './engine.ts';
import { batchFacts, fillSplitFacts } from './facts.ts';
import { applyEffects } from './effects.ts';
import type { Definition } from './definition.ts';

interface Row {
  workspace_id: number;
  id: number;
  journey_id: number;
  version: number;
  contact_id: number;
  step_id: string | null;
  started: boolean;
  wait_until: Date | null;
  data: Record<string, unknown>;
  status: string;
  definition: Definition;
  workspace_tz: string;
}

/**
 * The journey engine's worker side: claims due enrollments in a transaction (SKIP LOCKED),
 * advances them with the pure engine, and saves states and effects in that same
 * transaction. A crash rolls everything back and the rows are due again: no step is lost,
 * none runs twice (J-20).
 */
export function journeySource(ctx: Ctx, batch = 500, lanes = 1): DueSource {
  const lane = (now: Date) =>
    ctx.db.tx(async (tx) => {
      // No wait for the WAL flush: a batch lost in a crash is still due and simply runs again.
      // Nothing leaves the machine on its strength alone: the sender and the webhook worker
      // commit their claim (synchronously, which flushes this batch's WAL first) before sending.
      if (ctx.db.kind === 'postgres') await tx.query('set local synchronous_commit = off');
      return runBatch(ctx, tx, now, batch);
    });
  return {
    name: 'journeys',
    async nextDueAt() {
      const { rows } = await ctx.db.query<{ at: Date | null }>(`select min(next_run_at) as at from enrollments where status = 'active'`);
      return rows[0]?.at ?? null;
    },
    async runDue(now) {
      if (lanes === 1 || ctx.db.kind !== 'postgres') return lane(now);
      // the engine's work on one batch overlaps the server's writes of another. Two batches acting
      // on one contact (tags, lists) may deadlock: the server aborts one, whose rows stay due.
      // a lane runs several batches per call, each at the clock's time when it starts
      return inLanes(lanes, () => lane(ctx.clock.now()).catch((err) => {
        if ((err as { code?: string }).code === '40P01') return 0;
        throw err;
      }));
    },
  };
}

async function runBatch(ctx: Ctx, tx: Queryable, now: Date, batch: number): Promise<number> {
  // One table only in the claim: joined to journeys here, a stale row estimate once made the
  // planner scan every enrollment of the workspace for each claimed row (seconds per batch).
  // The contacts come with it, by primary key, in the same round trip.
  const { rows: claimed } = await tx.query<Omit<Row, 'status' | 'definition' | 'workspace_tz'> & { contact: Record<string, any> | null }>(sql`
    with claimed as materialized (
      select workspace_id, id, journey_id, version, contact_id, step_id, started, wait_until, data from enrollments
       where status = 'active' and next_run_at <= ${now}
       order by next_run_at limit ${batch}
         for update skip locked)
    select e.*, (select json_build_object('workspace_id', c.workspace_id, 'id', c.id, 'email', c.email, 'phone', c.phone,
                        'first_name', c.first_name, 'last_name', c.last_name, 'language', c.language, 'timezone', c.timezone,
                        'birthday', to_char(c.birthday, 'YYYY-MM-DD'), 'fields', c.fields)
                   from contacts c where c.workspace_id = e.workspace_id and c.id = e.contact_id) as contact
      from claimed e`);
  if (claimed.length === 0) return 0;
  const { rows: defs } = await tx.query<{ workspace_id: number; journey_id: number; version: number; status: string; definition: Definition; timezone: string }>(sql`
    select v.workspace_id, v.journey_id, v.version, j.status, v.definition, w.timezone
      from (select distinct w, j, v from unnest(${claimed.map((r) => r.workspace_id)}::bigint[], ${claimed.map((r) => r.journey_id)}::bigint[], ${claimed.map((r) => r.version)}::int[]) as u(w, j, v)) u
      join journey_versions v on v.workspace_id = u.w and v.journey_id = u.j and v.version = u.v
      join journeys j on j.workspace_id = u.w and j.id = u.j
      join workspaces w on w.id = u.w`);
  const byVersion = new Map(defs.map((d) => [`${d.workspace_id}:${d.journey_id}:${d.version}`, d]));
  const contacts = new Map<string, Record<string, any>>();
  const rows: Row[] = claimed.map(({ contact, ...r }) => {
    if (contact) contacts.set(`${r.workspace_id}:${r.contact_id}`, contact);
    const d = byVersion.get(`${r.workspace_id}:${r.journey_id}:${r.version}`)!;
    return { ...r, status: d.status, definition: d.definition, workspace_tz: d.timezone };
  });
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const key = `${r.workspace_id}:${r.journey_id}:${r.version}`;
    const group = groups.get(key);
    if (group) group.push(r);
    else groups.set(key, [r]);
  }
  const results: { row: Row; result: Exclude<Result, { status: 'needs' }> }[] = [];
  for (const group of groups.values()) results.push(...(await advanceGroup(tx, group, contacts, now)));
  await applyEffects(ctx, tx, now, results, contacts);
  return rows.length;
}

async function advanceGroup(tx: Queryable, group: Row[], contacts: Map<string, Record<string, any>>, now: Date) {
  const { workspace_id: ws, definition: def, status } = group[0];
  const byId = new Map([...contacts].filter(([k]) => k.startsWith(`${ws}:`)).map(([k, v]) => [Number(k.split(':')[1]), v]));
  const { facts, env } = await batchFacts(tx, ws, def, group.map((r) => r.contact_id), now, byId);
  const c = { now, stopped: status === 'stopped', listTriggered: def.trigger.type === 'list_joined', timezone: def.settings.timezone ?? group[0].workspace_tz };
  const done: { row: Row; result: Exclude<Result, { status: 'needs' }> }[] = [];
  let pending = group;
  // each round asks only for the split facts the engine reached; a journey has ≤ 50 steps
  for (let round = 0; pending.length && round < 60; round++) {
    const wanted = new Map<string, number[]>();
    const next: Row[] = [];
    for (const row of pending) {
      if (status === 'archived' || status === 'draft') {
        done.push({ row, result: { status: 'exited', reason: 'journey_archived', state: stateOf(row), effects: [] } });
        continue;
      }
      const r = advance(stateOf(row), def, facts.get(row.contact_id) ?? { splits: new Map() }, c);
      if (r.status !== 'needs') done.push({ row, result: r });
      else {
        next.push(row);
        for (const k of r.facts) {
          const ids = wanted.get(k);
          if (ids) ids.push(row.contact_id);
          else wanted.set(k, [row.contact_id]);
        }
      }
    }
    await fillSplitFacts(tx, def, env, wanted, facts);
    pending = next;
  }
  return done;
}

function stateOf(r: Row): EnrollmentState {
  return { id: r.id, contactId: r.contact_id, step: r.step_id, waitUntil: r.wait_until, started: r.started, data: r.data };
}
