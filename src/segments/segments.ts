import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError, notFound } from '../errors.ts';
import { ensureEngagementSchedule } from './engagement.ts';
import { requestSegmentRefresh } from './membership.ts';
import { criteriaEnv, validateCriteria } from './query.ts';
import { parseCriteria, type Criteria, type EngagementLevel } from './schema.ts';
import { LEVEL_NAMES } from './describe.ts';

/**
 * Saved segments (S-4, S-5) and the four pre-built engagement segments (S-2). Built-ins
 * have fixed slugs as ids, exist in every workspace, are read-only and can be copied.
 */
export const BUILTIN_SEGMENTS = {
  most_engaged: 'most',
  somewhat_engaged: 'somewhat',
  least_engaged: 'least',
  everyone_else: 'everyone_else',
} as const satisfies Record<string, EngagementLevel>;
export type BuiltinSegmentId = keyof typeof BUILTIN_SEGMENTS;
export type SegmentId = number | BuiltinSegmentId;

const BUILTIN_DESCRIPTIONS: Record<EngagementLevel, string> = {
  most: 'Opened at least half of the marketing emails they received and clicked at least once',
  somewhat: 'Opened at least a fifth of the marketing emails they received, or clicked',
  least: 'Received marketing emails but rarely opens them and never clicks',
  everyone_else: 'Received fewer than 3 marketing emails in the window',
};

export interface Segment {
  id: SegmentId;
  name: string;
  description: string;
  criteria: Criteria;
  builtin: boolean;
  created_at: Date | null;
  updated_at: Date | null;
  members_refreshed_at?: Date | null;
}

export const isBuiltin = (id: SegmentId): id is BuiltinSegmentId => typeof id === 'string';

function builtin(id: BuiltinSegmentId): Segment {
  const level = BUILTIN_SEGMENTS[id];
  return {
    id,
    name: LEVEL_NAMES[level],
    description: BUILTIN_DESCRIPTIONS[level],
    criteria: { all: [{ type: 'engagement', which: 'current', op: 'is', level }] },
    builtin: true,
    created_at: null,
    updated_at: null,
  };
}

const COLUMNS = sql`id, name, description, criteria, false as builtin, created_at, updated_at, members_refreshed_at`;

export async function listSegments(q: Queryable, workspaceId: number): Promise<Segment[]> {
  const { rows } = await q.query<Segment>(sql`select ${COLUMNS} from segments where workspace_id = ${workspaceId} order by id`);
  return [...(Object.keys(BUILTIN_SEGMENTS) as BuiltinSegmentId[]).map(builtin), ...rows];
}

export async function getSegment(q: Queryable, workspaceId: number, id: SegmentId): Promise<Segment> {
  if (isBuiltin(id)) {
    if (!(id in BUILTIN_SEGMENTS)) throw notFound('segment');
    return builtin(id);
  }
  const { rows } = await q.query<Segment>(sql`select ${COLUMNS} from segments where workspace_id = ${workspaceId} and id = ${id}`);
  if (!rows[0]) throw notFound('segment');
  return rows[0];
}

/**
 * A segment's criteria, re-checked against today's custom fields: what campaigns and
 * journeys call before compiling (a field deleted since the segment was saved is a 400).
 */
export async function segmentCriteria(q: Queryable, workspaceId: number, id: SegmentId): Promise<Criteria> {
  const seg = await getSegment(q, workspaceId, id);
  if (seg.builtin) return seg.criteria;
  const env = await criteriaEnv(q, workspaceId, new Date(0));
  return parseCriteria(seg.criteria, env.fields);
}

export interface SegmentInput {
  name: string;
  description?: string;
  criteria: unknown;
}

/** Saves a segment and queues its first membership refresh (the silent baseline, J-5). */
export async function createSegment(ctx: Ctx, workspaceId: number, input: SegmentInput): Promise<Segment> {
  return ctx.db.tx(async (tx) => {
    const criteria = await validateCriteria(tx, workspaceId, input.criteria);
    const now = ctx.clock.now();
    const { rows } = await tx.query<Segment>(sql`
      insert into segments (workspace_id, name, description, criteria, created_at, updated_at)
      values (${workspaceId}, ${input.name}, ${input.description ?? ''}, ${JSON.stringify(criteria)}, ${now}, ${now})
      returning ${COLUMNS}`);
    await afterSave(tx, ctx, workspaceId, rows[0].id as number);
    return rows[0];
  });
}

async function afterSave(tx: Queryable, ctx: Ctx, workspaceId: number, id: number) {
  // refreshed at once; later refreshes come when its data moves (segmentRefreshSource)
  await requestSegmentRefresh(tx, ctx.clock, workspaceId, id);
  // engagement criteria are only as fresh as the daily recomputation: make sure it runs
  await ensureEngagementSchedule(tx, ctx.clock, workspaceId);
}

const readOnly = () => new AppError('conflict', 'built-in segments are read-only: copy it, then edit the copy', [{ path: 'id', message: 'built-in segment' }]);

export async function updateSegment(ctx: Ctx, workspaceId: number, id: SegmentId, patch: Partial<SegmentInput>): Promise<Segment> {
  if (isBuiltin(id)) {
    await getSegment(ctx.db, workspaceId, id);
    throw readOnly();
  }
  return ctx.db.tx(async (tx) => {
    const criteria = patch.criteria === undefined ? null : await validateCriteria(tx, workspaceId, patch.criteria);
    const { rows } = await tx.query<Segment>(sql`
      update segments set name = coalesce(${patch.name ?? null}, name), description = coalesce(${patch.description ?? null}, description),
             criteria = coalesce(${criteria ? JSON.stringify(criteria) : null}::jsonb, criteria), updated_at = ${ctx.clock.now()},
             -- new criteria read other data: what the last refresh saw says nothing of them
             members_inputs = case when ${criteria !== null}::boolean then null else members_inputs end,
             members_next_at = case when ${criteria !== null}::boolean then null else members_next_at end
       where workspace_id = ${workspaceId} and id = ${id}
      returning ${COLUMNS}`);
    if (!rows[0]) throw notFound('segment');
    if (criteria) await afterSave(tx, ctx, workspaceId, id);
    return rows[0];
  });
}

export async function deleteSegment(q: Queryable, workspaceId: number, id: SegmentId) {
  if (isBuiltin(id)) {
    await getSegment(q, workspaceId, id);
    throw readOnly();
  }
  const r = await q.query(sql`delete from segments where workspace_id = ${workspaceId} and id = ${id}`);
  if (r.rowCount === 0) throw notFound('segment');
}

/** Copies a saved or built-in segment into a new saved one (S-5: copy, then edit). */
export async function copySegment(ctx: Ctx, workspaceId: number, id: SegmentId, input: { name?: string }) {
  const source = await getSegment(ctx.db, workspaceId, id);
  return createSegment(ctx, workspaceId, {
    name: input.name ?? `${source.name} (copy)`,
    description: source.description,
    criteria: source.criteria,
  });
}
