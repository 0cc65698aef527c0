import { sql, type Db, type Queryable, type Sql } from '../db/index.ts';
import { compileCriteria, criteriaEnv, segmentCriteria, type Criteria, type SegmentId } from '../segments/index.ts';
import type { Campaign } from './store.ts';

/**
 * A boundary in a random draw: contacts are ordered by a hash of campaign and contact id (ties by
 * id); those at or before the cut are drawn. Null: nobody is.
 */
export interface Cut {
  /** The hash (a bigint, as text). */
  h: string;
  id: number;
}

/**
 * The exact draws of a campaign, fixed once over its whole audience (K-3, K-5): the hold-out is
 * the round(percent × eligible) lowest control hashes, the A/B test share the round(percent ×
 * recipients) lowest test hashes of the others, split between the variants by cuts of their own.
 * Calculate, Prepare and the fan-out's every batch compare with the same cuts: the same numbers.
 */
export interface Cuts {
  held: Cut | null;
  /** One cut per variant, in order: variant k gets the test hashes after cut k-1, up to cut k. */
  variants: (Cut | null)[] | null;
}

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
  /** How many variants the A/B test has (0 without). */
  variants: number;
  cuts: Cuts;
  /** The counts measured when the cuts were drawn (absent when the cuts were given). */
  calculation?: Calculation;
}

/**
 * The audience of a campaign. Without `cuts`, they are drawn now over the whole audience (one
 * statement, which also gives the calculation); a fan-out passes those it fixed at its start.
 */
export async function compileAudience(q: Queryable, workspaceId: number, c: Campaign, channel: 'email' | 'sms', now: Date, cuts?: Cuts): Promise<Audience> {
  const env = await criteriaEnv(q, workspaceId, now);
  const r = c.recipients;
  const list = (ids: number[]): Criteria[] => (ids.length ? [{ type: 'list', op: 'in', list_ids: ids } as Criteria] : []);
  const include: Criteria[] = [...list(r.lists)];
  for (const s of r.segments) include.push(await segmentCriteria(q, workspaceId, s as SegmentId));
  const exclude: Criteria[] = [...list(r.exclude_lists)];
  for (const s of r.exclude_segments) exclude.push(await segmentCriteria(q, workspaceId, s as SegmentId));
  // compiled predicates are never NULL, so NOT is exactly "not a member"
  const predicate = sql`${compileCriteria({ any: include }, env)} and not ${compileCriteria({ any: exclude }, env)}`;
  const a: Audience = {
    workspaceId,
    campaignId: c.id,
    channel,
    predicate,
    perEmail: c.duplicates === 'per_email' && channel === 'email',
    controlBp: Math.round(Number(c.control_group_percent) * 100),
    testBp: c.ab_test ? Math.round(c.ab_test.test_percent * 100) : null,
    variants: c.ab_test?.variants.length ?? 0,
    cuts: cuts ?? { held: null, variants: null },
  };
  if (!cuts) Object.assign(a, await drawCuts(q, a));
  return a;
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

/** The contact (row `x`) is at or before the cut of its hash column. */
function within(cut: Cut | null, hash: 'hc' | 'ha'): Sql {
  return cut ? sql`(x.${sql.raw(hash)}, x.id) <= (${cut.h}::bigint, ${cut.id}::bigint)` : sql`false`;
}

/**
 * Two CTEs, `r` then `x`: every matching contact (optionally in an id range) with what decides
 * its fate: an address, consent, a lower-id recipient sharing its email (per_email keeps the
 * lowest id), and the hashes of both draws. The hashes are of the campaign and contact ids, so a
 * replayed batch, a calculation and the report all see the same order.
 */
function baseCtes(a: Audience, range: Sql): Sql {
  const dup = a.perEmail
    ? sql`case when r.has_address and r.consent_ok then exists (
        select 1 from contacts c where c.workspace_id = ${a.workspaceId} and lower(c.email) = lower(r.email) and c.id < r.id
           and ${hasAddress(a, 'c')} and ${consentOk(a, 'c')} and ${a.predicate}) else false end`
    : sql`false`;
  return sql`
    r as (
      select c.id, c.email, c.phone, c.language, c.timezone,
             ${hasAddress(a, 'c')} as has_address, ${consentOk(a, 'c')} as consent_ok,
             hashtextextended(${`ctl:${a.campaignId}:`}::text || c.id::text, 0) as hc,
             hashtextextended(${`ab:${a.campaignId}:`}::text || c.id::text, 0) as ha
        from contacts c
       where c.workspace_id = ${a.workspaceId} ${range} and ${a.predicate}
    ),
    x as (
      select r.*, r.has_address and r.consent_ok as ok, ${dup} as dup from r
    )`;
}

/**
 * The audience CTEs ending in `e`: `x` with the draws against the audience's cuts: `held` (the
 * hold-out), `in_test` (the A/B test share) and `k`, the 1-based variant of a test contact.
 */
export function audienceCtes(a: Audience, range: Sql = sql``): Sql {
  const cuts = a.variants > 0 ? a.cuts.variants ?? [] : [];
  const k = cuts.length ? sql`case ${sql.join(cuts.map((cut, i) => sql`when ${within(cut, 'ha')} then ${i + 1}::int`), ' ')} end` : sql`null::int`;
  return sql`${baseCtes(a, range)},
    e as (
      select y.*, y.k is not null and not y.held as in_test from (
        select x.*, x.ok and not x.dup and ${within(a.cuts.held, 'hc')} as held, ${k} as k from x) y
    )`;
}

/** Runs `fn` in a transaction (unless `q` is one already) with the big statements' settings. */
async function big<T>(q: Queryable, fn: (q: Queryable) => Promise<T>): Promise<T> {
  const run = async (t: Queryable) => {
    await bigStatement(t);
    return fn(t);
  };
  return 'tx' in q && typeof (q as Db).tx === 'function' ? (q as Db).tx(run) : run(q);
}

/**
 * Draws the cuts over the whole audience in one statement, with the calculation: H =
 * round(control % × eligible) contacts held out, T = round(test % × the others) tested, variant
 * k taking the test ranks up to floor(k × T / variants).
 */
async function drawCuts(q: Queryable, a: Audience): Promise<{ cuts: Cuts; calculation: Calculation }> {
  // nothing to draw (the usual campaign): the counts alone, no sort of the audience
  if (a.controlBp === 0 && a.testBp === null) return { cuts: a.cuts, calculation: await count(q, a) };
  const n = Math.max(a.variants, 1);
  const { rows } = await big(q, (t) => t.query<Omit<Calculation, 'ab_test'> & { tested: number | null; held_cut: Cut | null; test_cuts: (Cut & { rank: number })[] | null }>(sql`
    with ${baseCtes(a, sql``)},
    el as (select id, hc, ha, row_number() over (order by hc, id) as rh, count(*) over () as n from x where ok and not dup),
    h as (select el.*, rh <= (n * ${a.controlBp}::bigint + 5000) / 10000 as held from el),
    t as (select id, ha, row_number() over (order by ha, id) as rt, count(*) over () as m from h where not held),
    size as (select (m * ${a.testBp ?? 0}::bigint + 5000) / 10000 as tested from t limit 1)
    select count(*)::int as matching,
           count(*) filter (where not has_address)::int as no_address,
           count(*) filter (where has_address and not consent_ok)::int as suppressed,
           count(*) filter (where ok and dup)::int as duplicates_collapsed,
           (select count(*) from h where held)::int as control_group,
           (select count(*) from h where not held)::int as recipients,
           (select tested from size)::int as tested,
           (select json_build_object('h', hc::text, 'id', id) from h where held order by rh desc limit 1) as held_cut,
           (select json_agg(json_build_object('rank', rt, 'h', ha::text, 'id', id))
              from t, size where rt in (select (j * size.tested) / ${n}::bigint from generate_series(1, ${n}::int) j)) as test_cuts
      from x`));
  const { tested, held_cut, test_cuts, ...counts } = rows[0];
  const byRank = new Map((test_cuts ?? []).map((c) => [Number(c.rank), { h: String(c.h), id: Number(c.id) }]));
  const T = tested ?? 0;
  const variants = a.variants > 0 ? Array.from({ length: n }, (_, j) => byRank.get(Math.floor(((j + 1) * T) / n)) ?? null) : null;
  const cuts: Cuts = { held: held_cut ? { h: String(held_cut.h), id: Number(held_cut.id) } : null, variants };
  const calculation: Calculation = { ...counts, ...(a.testBp !== null ? { ab_test: { test: T, remainder: counts.recipients - T } } : {}) };
  return { cuts, calculation };
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

/**
 * "Calculate" (K-1): the counts measured when the audience's cuts were drawn, or (cuts given)
 * one set-based statement over the whole audience, nothing loaded.
 */
export async function calculate(db: Db, a: Audience): Promise<Calculation> {
  return a.calculation ?? count(db, a);
}

async function count(db: Queryable, a: Audience): Promise<Calculation> {
  const { rows } = await big(db, (q) => q.query<Record<string, number>>(sql`
    with ${audienceCtes(a)}
    select count(*)::int as matching,
           count(*) filter (where not has_address)::int as no_address,
           count(*) filter (where has_address and not consent_ok)::int as suppressed,
           count(*) filter (where ok and dup)::int as duplicates_collapsed,
           count(*) filter (where held)::int as control_group,
           count(*) filter (where ok and not dup and not held)::int as recipients,
           count(*) filter (where in_test)::int as ab_test
      from e`));
  const { ab_test, ...rest } = rows[0];
  return { ...(rest as unknown as Calculation), ...(a.testBp !== null ? { ab_test: { test: ab_test, remainder: rest.recipients - ab_test } } : {}) };
}

/** A few eligible recipients spread over the audience, for the checklist's render test. */
export async function sampleRecipients(db: Db, a: Audience, n: number): Promise<number[]> {
  const { rows } = await big(db, (q) => q.query<{ id: number }>(sql`
    with ${audienceCtes(a)}
    select id from e where ok and not dup and not held order by hashtextextended(id::text, ${a.campaignId}) limit ${n}`));
  return rows.map((r) => r.id);
}

/**
 * The time zones the recipients' delivery window opens in when it follows each contact's zone:
 * their own when PostgreSQL knows it, else `fallback` (the workspace's), as the sender resolves it.
 */
export async function recipientZones(db: Db, a: Audience, fallback: string): Promise<string[]> {
  const { rows } = await big(db, (q) => q.query<{ zone: string }>(sql`
    with ${audienceCtes(a)}
    select distinct coalesce(z.name, ${fallback}::text) as zone
      from e left join pg_timezone_names z on z.name = e.timezone
     where ok and not dup and not held limit 500`));
  return rows.map((r) => r.zone);
}
