import { sql, type Db, type Queryable, type Sql } from '../db/index.ts';
import { compileCriteria, criteriaEnv, segmentCriteria, type Criteria, type SegmentId } from '../segments/index.ts';
import type { Campaign } from './store.ts';

/**
 * Who a campaign goes to, as SQL (K-1, K-2, K-3). Evaluated where the statement runs, so a
 * segment counts its members at that moment (S-4): at calculate, prepare and fan-out time.
 */
export interface Audience {
  workspaceId: number;
  campaignId: number;
  channel: 'email' | 'sms';
  /** Lists and segments (union) minus exclusions, over the contacts row aliased `c`. */
  predicate: Sql;
  perEmail: boolean;
  /** Hold-out share in basis points (0 … 5000). */
  controlBp: number;
  /** A/B test share in basis points, or null without an A/B test. */
  testBp: number | null;
}

export async function compileAudience(q: Queryable, workspaceId: number, c: Campaign, channel: 'email' | 'sms', now: Date): Promise<Audience> {
  const env = await criteriaEnv(q, workspaceId, now);
  const r = c.recipients;
  const list = (ids: number[]): Criteria[] => (ids.length ? [{ type: 'list', op: 'in', list_ids: ids } as Criteria] : []);
  const include: Criteria[] = [...list(r.lists)];
  for (const s of r.segments) include.push(await segmentCriteria(q, workspaceId, s as SegmentId));
  const exclude: Criteria[] = [...list(r.exclude_lists)];
  for (const s of r.exclude_segments) exclude.push(await segmentCriteria(q, workspaceId, s as SegmentId));
  // compiled predicates are never NULL, so NOT is exactly "not a member"
  const predicate = sql`${compileCriteria({ any: include }, env)} and not ${compileCriteria({ any: exclude }, env)}`;
  return {
    workspaceId,
    campaignId: c.id,
    channel,
    predicate,
    perEmail: c.duplicates === 'per_email' && channel === 'email',
    controlBp: Math.round(Number(c.control_group_percent) * 100),
    testBp: c.ab_test ? Math.round(c.ab_test.test_percent * 100) : null,
  };
}

/** The contact has an address on the channel. */
function hasAddress(a: Audience, alias: string): Sql {
  return a.channel === 'email' ? sql`coalesce(${sql.raw(alias)}.email, '') <> ''` : sql`coalesce(${sql.raw(alias)}.phone, '') <> ''`;
}

/** Marketing may reach the address (C-4): subscribed and not on the suppression list, or SMS opt-in. */
function consentOk(a: Audience, alias: string): Sql {
  const x = sql.raw(alias);
  if (a.channel === 'sms') return sql`${x}.sms_status = 'opted_in'`;
  return sql`${x}.email_status = 'subscribed'
    and not exists (select 1 from suppressions s where s.workspace_id = ${a.workspaceId} and s.address = lower(${x}.email))`;
}

/**
 * Two CTEs, `r` then `e`: every matching contact (optionally in an id range) with what decides
 * its fate: an address, consent, a lower-id recipient sharing its email (per_email keeps the
 * lowest id), the hold-out and the A/B bucket. Both draws hash the campaign and contact ids, so
 * a replayed batch, a calculation and the report all see the same assignment.
 */
export function audienceCtes(a: Audience, range: Sql = sql``): Sql {
  const dup = a.perEmail
    ? sql`case when r.has_address and r.consent_ok then exists (
        select 1 from contacts c where c.workspace_id = ${a.workspaceId} and lower(c.email) = lower(r.email) and c.id < r.id
           and ${hasAddress(a, 'c')} and ${consentOk(a, 'c')} and ${a.predicate}) else false end`
    : sql`false`;
  return sql`
    r as (
      select c.id, c.email, c.phone, c.language, c.timezone,
             ${hasAddress(a, 'c')} as has_address, ${consentOk(a, 'c')} as consent_ok,
             abs(hashtextextended(${`ctl:${a.campaignId}:`}::text || c.id::text, 0) % 10000) < ${a.controlBp} as held,
             abs(hashtextextended(${`ab:${a.campaignId}:`}::text || c.id::text, 0) % 10000)::int as bucket
        from contacts c
       where c.workspace_id = ${a.workspaceId} ${range} and ${a.predicate}
    ),
    e as (
      select r.*, r.has_address and r.consent_ok as ok, ${dup} as dup from r
    )`;
}

/**
 * Settings for the audience's big statements, in their transaction: PostgreSQL's JIT spends 1–2 s
 * compiling each of them (more than the work), and the id sort of a 50,000-row batch fits in memory.
 */
export async function bigStatement(tx: Queryable) {
  await tx.query(`set local jit = off`);
  await tx.query(`set local work_mem = '64MB'`);
}

export interface Calculation {
  matching: number;
  no_address: number;
  suppressed: number;
  duplicates_collapsed: number;
  control_group: number;
  recipients: number;
  ab_test?: { test: number; remainder: number };
}

/** "Calculate" (K-1): one set-based statement over the whole audience, nothing loaded. */
export async function calculate(db: Db, a: Audience): Promise<Calculation> {
  const test = a.testBp ?? 0;
  const { rows } = await db.tx(async (q) => {
    await bigStatement(q);
    return q.query<Record<string, number>>(sql`
    with ${audienceCtes(a)}
    select count(*)::int as matching,
           count(*) filter (where not has_address)::int as no_address,
           count(*) filter (where has_address and not consent_ok)::int as suppressed,
           count(*) filter (where ok and dup)::int as duplicates_collapsed,
           count(*) filter (where ok and not dup and held)::int as control_group,
           count(*) filter (where ok and not dup and not held)::int as recipients,
           count(*) filter (where ok and not dup and not held and bucket < ${test})::int as ab_test
      from e`);
  });
  const { ab_test, ...rest } = rows[0];
  return { ...(rest as unknown as Calculation), ...(a.testBp !== null ? { ab_test: { test: ab_test, remainder: rest.recipients - ab_test } } : {}) };
}

/** A few eligible recipients spread over the audience, for the checklist's render test. */
export async function sampleRecipients(db: Db, a: Audience, n: number): Promise<number[]> {
  const { rows } = await db.tx(async (q) => {
    await bigStatement(q);
    return q.query<{ id: number }>(sql`
      with ${audienceCtes(a)}
      select id from e where ok and not dup and not held order by hashtextextended(id::text, ${a.campaignId}) limit ${n}`);
  });
  return rows.map((r) => r.id);
}
