import { sql, type Queryable, type Sql } from '../db/index.ts';
import type { Audience } from './recipients.ts';
import { audienceCtes, bigStatement } from './recipients.ts';
import { optimizedSendAt, pacedSendAt } from './send-time.ts';
import type { FrozenVariant } from './store.ts';

/** One phase of a fan-out: which bucket of the audience, with which variants, at which times. */
export interface PhasePlan {
  audience: Audience;
  phase: 'main' | 'remainder';
  variants: FrozenVariant[];
  /** Spread the main phase over the A/B variants (bucket < test share). */
  abSplit: boolean;
  forcedLanguage: string | null;
  deadline: Date | null;
  workspaceZone: string;
  timing: { kind: 'paced'; start: Date; num: number; den: number } | { kind: 'optimized'; start: Date; defaultHour: number };
}

export interface BatchCounts {
  last: number | null;
  seen: number;
  no_address: number;
  suppressed: number;
  collapsed: number;
  control: number;
  selected: number;
  inserted: number;
  awaiting_winner: number;
}

/**
 * The upper contact id of the next batch: the `size`-th contact of the workspace after `after`
 * (a walk of the primary key), or null when fewer remain and this batch is the last. Sparse ids
 * (ids are shared by all workspaces) still give full batches.
 */
export async function nextBound(q: Queryable, workspaceId: number, after: number, size: number): Promise<number | null> {
  const { rows } = await q.query<{ id: number }>(sql`
    select id from contacts where workspace_id = ${workspaceId} and id > ${after} order by id offset ${size - 1} limit 1`);
  return rows[0]?.id ?? null;
}

/**
 * Queues one batch of a campaign in one statement: recipients with ids in (after, upto] become
 * deliveries (INSERT … SELECT), hold-out members are recorded, and the batch's counts come back.
 * `offset` is the number of deliveries selected by earlier batches, so pacing continues across
 * batches. The idempotency key `campaign:{id}:contact:{id}` makes a replayed batch insert nothing.
 */
export function batchStatement(p: PhasePlan, range: { after: number; upto: number | null; offset: number }, status: 'queued' | 'paused', now: Date): Sql {
  const a = p.audience;
  const bound = sql`and c.id > ${range.after} ${range.upto === null ? sql`` : sql`and c.id <= ${range.upto}`}`;
  const bucket = shareOf(p, 'e');
  const k = p.abSplit ? sql`e.k` : sql`1`;
  const optimized = p.timing.kind === 'optimized';
  // only pacing numbers the messages: without it the window and its sort are skipped
  const numbered = p.timing.kind === 'paced' && p.timing.num > 0;
  const sendAt = p.timing.kind === 'optimized'
    ? optimizedSendAt(a.workspaceId, p.timing.start, p.timing.defaultHour)
    : pacedSendAt(p.timing.start, p.timing, sql`g.i`);
  const langs = JSON.stringify(p.variants.map((v) => v.languages));
  const language = p.forcedLanguage
    ? sql`${p.forcedLanguage}::text`
    : sql`case when (${langs}::jsonb -> (g.k - 1)) ? g.language then g.language
               when (${langs}::jsonb -> (g.k - 1)) ? split_part(g.language, '-', 1) then split_part(g.language, '-', 1) end`;
  const email = a.channel === 'email';
  return sql`
    with ${audienceCtes(a, bound)},
    ${optimized ? sql`zones as materialized (select name from pg_timezone_names),` : sql``}
    g as (
      select e.id, e.email, e.phone, e.language, ${numbered ? sql`(row_number() over (order by e.id) - 1 + ${range.offset})::bigint` : sql`0::bigint`} as i, ${k} as k
             ${optimized ? sql`, coalesce(z.name, ${p.workspaceZone}::text) as zone` : sql``}
        from e ${optimized ? sql`left join zones z on z.name = e.timezone` : sql``}
       where e.ok and not e.dup and not e.held ${bucket}
    ),
    held as (
      insert into campaign_holdouts (workspace_id, campaign_id, contact_id, held_at)
      select ${a.workspaceId}, ${a.campaignId}, e.id, ${now} from e where e.ok and not e.dup and e.held
      on conflict do nothing
    ),
    ins as (
      insert into deliveries (workspace_id, idempotency_key, contact_id, message_id, message_version, channel, to_address, domain, language,
                              source, campaign_id, variant, options, send_at, deadline, status, created_at, updated_at)
      select ${a.workspaceId}, ${`campaign:${a.campaignId}:contact:`}::text || g.id::text, g.id,
             (${p.variants.map((v) => v.message_id)}::bigint[])[g.k], (${p.variants.map((v) => v.version)}::int[])[g.k],
             ${a.channel}::text, ${email ? sql`g.email` : sql`g.phone`}, ${email ? sql`lower(split_part(g.email, '@', 2))` : sql`null`}, ${language},
             'campaign', ${a.campaignId}::bigint, (${p.variants.map((v) => v.id)}::text[])[g.k],
             ((${p.variants.map((v) => JSON.stringify(v.options))}::text[])[g.k])::jsonb,
             ${sendAt}, ${p.deadline}::timestamptz, ${status}::text, ${now}::timestamptz, ${now}::timestamptz
        from g
      on conflict (workspace_id, idempotency_key) do nothing
      returning 1
    )
    select max(id) as last, count(*)::int as seen,
           count(*) filter (where not has_address)::int as no_address,
           count(*) filter (where has_address and not consent_ok)::int as suppressed,
           count(*) filter (where ok and dup)::int as collapsed,
           count(*) filter (where ok and not dup and held)::int as control,
           ${p.abSplit ? sql`count(*) filter (where ok and not dup and not held and not in_test)::int` : sql`0`} as awaiting_winner,
           (select count(*) from g)::int as selected,
           (select count(*) from ins)::int as inserted
      from e`;
}

/** How many deliveries a phase will select: spread_over pacing divides its duration by it. */
export async function countPhase(q: Queryable, p: PhasePlan): Promise<number> {
  await bigStatement(q);
  const { rows } = await q.query<{ n: number }>(sql`
    with ${audienceCtes(p.audience)} select count(*)::int as n from e where ok and not dup and not held ${shareOf(p, 'e')}`);
  return rows[0].n;
}

/** The part of the recipients a phase sends to: the A/B test share, the rest, or all of them. */
function shareOf(p: PhasePlan, alias: string): Sql {
  const x = sql.raw(alias);
  return p.phase === 'remainder' ? sql`and not ${x}.in_test` : p.abSplit ? sql`and ${x}.in_test` : sql``;
}
