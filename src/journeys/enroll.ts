import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { criteriaEnv, evaluateFor, parseCriteria, type Criteria } from '../segments/index.ts';
import type { Definition } from './definition.ts';

export interface Candidate {
  contactId: number;
  data?: Record<string, unknown>;
  /** Distinguishes entries when re-entry is allowed (the triggering event's id). */
  entry?: string;
  /** What "once" counts per when re-entry is not allowed: a yearly date's year (J-3); else once ever. */
  once?: string;
}

interface JourneyRef {
  id: number;
  version: number;
  status: string;
  definition: Definition;
}

/**
 * Enrolls contacts set-wise: the entry filter (J-7) and the trigger's extra criteria are one
 * query for the whole batch; the unique keys make a repeated trigger a no-op (J-1: once per
 * contact unless re-entry is allowed, and never twice at the same time).
 */
export async function enrollContacts(ctx: Ctx, q: Queryable, workspaceId: number, j: JourneyRef, candidates: Candidate[]): Promise<number> {
  if (candidates.length === 0 || !['active'].includes(j.status)) return 0;
  const now = ctx.clock.now();
  let allowed = candidates;
  const filters: unknown[] = [j.definition.entry_filter, j.definition.trigger.type === 'list_joined' ? j.definition.trigger.criteria : null].filter(Boolean);
  if (filters.length) {
    const env = await criteriaEnv(q, workspaceId, now);
    const criteria: Criteria = parseCriteria({ all: filters }, env.fields);
    const ok = await evaluateFor(q, criteria, [...new Set(candidates.map((c) => c.contactId))], env);
    allowed = candidates.filter((c) => ok.has(c.contactId));
  }
  if (allowed.length === 0) return 0;
  const once = j.definition.settings.reentry === 'never';
  const { rows } = await q.query<{ n: number }>(sql`
    with ins as (
      insert into enrollments (workspace_id, journey_id, version, contact_id, entry_key, data, entered_at, next_run_at)
      select ${workspaceId}, ${j.id}, ${j.version}, c, k, d::jsonb, ${now}, ${now}
        from unnest(${allowed.map((c) => c.contactId)}::bigint[],
                    ${allowed.map((c) => (once ? `c:${c.contactId}${c.once ? `:${c.once}` : ''}` : `c:${c.contactId}:${c.entry ?? now.toISOString()}`))}::text[],
                    ${allowed.map((c) => JSON.stringify(c.data ?? {}))}::text[]) as u(c, k, d)
      on conflict do nothing
      returning 1)
    select count(*)::int as n from ins`);
  return rows[0].n;
}

/** J-6: on activation, every contact already on the trigger lists enters, in one statement. */
export async function enrollExisting(ctx: Ctx, q: Queryable, workspaceId: number, j: JourneyRef): Promise<number> {
  if (j.definition.trigger.type !== 'list_joined') return 0;
  const { rows } = await q.query<{ contact_id: number }>(sql`
    select distinct contact_id from list_members where workspace_id = ${workspaceId} and list_id = any(${j.definition.trigger.list_ids}::bigint[])`);
  return enrollContacts(ctx, q, workspaceId, j, rows.map((r) => ({ contactId: r.contact_id, entry: 'existing' })));
}

/** The journeys a workspace has running, with the definition new entries get. */
export async function activeJourneys(q: Queryable, workspaceIds: number[]) {
  const { rows } = await q.query<JourneyRef & { workspace_id: number }>(sql`
    select j.workspace_id, j.id, j.version, j.status, v.definition from journeys j
      join journey_versions v on v.workspace_id = j.workspace_id and v.journey_id = j.id and v.version = j.version
     where j.workspace_id = any(${workspaceIds}::bigint[]) and j.status = 'active'`);
  return rows;
}
