import { sql, type Queryable } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError, notFound } from '../errors.ts';
import { definitionSchema, type Definition } from './definition.ts';
import { journeyProblems, parseDefinition, structuralProblems, type Problem } from './validate.ts';
import { enrollExisting } from './enroll.ts';
import { closePeriod, logPosition, openPeriod } from './live.ts';

export type JourneyStatus = 'draft' | 'active' | 'locked' | 'stopped' | 'archived';

export interface Journey {
  id: number;
  name: string;
  status: JourneyStatus;
  version: number;
  definition: Definition;
  activated_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = sql`j.id, j.name, j.status, j.version, v.definition, j.activated_at, j.created_at, j.updated_at`;

export async function getJourney(q: Queryable, workspaceId: number, id: number, version?: number): Promise<Journey> {
  const { rows } = await q.query<Journey>(sql`
    select ${COLUMNS} from journeys j
      join journey_versions v on v.workspace_id = j.workspace_id and v.journey_id = j.id and v.version = coalesce(${version ?? null}::int, j.version)
     where j.workspace_id = ${workspaceId} and j.id = ${id}`);
  if (!rows[0]) throw notFound('journey');
  return rows[0];
}

export async function listJourneys(q: Queryable, workspaceId: number) {
  const { rows } = await q.query(sql`
    select j.id, j.name, j.status, j.version, j.activated_at, j.created_at, j.updated_at,
           (select count(*) from enrollments e where e.workspace_id = j.workspace_id and e.journey_id = j.id and e.status = 'active')::int as in_progress
      from journeys j where j.workspace_id = ${workspaceId}
     order by j.id desc`);
  return rows;
}

/** Creates a draft; problems are reported, not refused: a draft may be unfinished (J-16). */
export async function createJourney(ctx: Ctx, workspaceId: number, input: { name: string; definition: unknown }) {
  const def = parseDefinition(input.definition);
  return ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    const { rows } = await tx.query<{ id: number }>(sql`
      insert into journeys (workspace_id, name, created_at, updated_at) values (${workspaceId}, ${input.name}, ${now}, ${now}) returning id`);
    await tx.query(sql`
      insert into journey_versions (workspace_id, journey_id, version, definition, created_at)
      values (${workspaceId}, ${rows[0].id}, 1, ${JSON.stringify(def)}, ${now})`);
    const j = await getJourney(tx, workspaceId, rows[0].id);
    return { ...j, problems: await journeyProblems(tx, workspaceId, def) };
  });
}

/**
 * A structural field of a step: changing one on a live journey publishes a new version (J-17).
 * Swapping a message or moving nodes on the canvas (`layout`) is not structural.
 */
function structure(def: Definition): string {
  const { layout: _layout, ...rest } = def;
  return canonical({ ...rest, steps: rest.steps.map((s) => ('message_id' in s ? { ...s, message_id: 0 } : s)) });
}

/** JSON with sorted keys: jsonb does not keep the order a definition was written in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as any)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/**
 * Edits a journey. A draft is rewritten in place. On a live journey, swapping a step's message
 * is a content edit (same version); any other change publishes a new version, which must be
 * valid; enrollments in flight stay on theirs (J-17).
 */
export async function updateJourney(ctx: Ctx, workspaceId: number, id: number, patch: { name?: string; definition?: unknown }) {
  return ctx.db.tx(async (tx) => {
    const j = await lockJourney(tx, workspaceId, id);
    const now = ctx.clock.now();
    if (patch.name) await tx.query(sql`update journeys set name = ${patch.name}, updated_at = ${now} where workspace_id = ${workspaceId} and id = ${id}`);
    let problems: Problem[] = [];
    if (patch.definition !== undefined) {
      if (j.status === 'archived') throw new AppError('conflict', 'an archived journey cannot be edited; duplicate it');
      const def = parseDefinition(patch.definition);
      problems = await journeyProblems(tx, workspaceId, def);
      const live = j.status !== 'draft';
      if (live && problems.length) throw problemsError(problems);
      const newVersion = live && structure(def) !== structure(j.definition);
      if (newVersion) {
        await tx.query(sql`
          insert into journey_versions (workspace_id, journey_id, version, definition, created_at, after_event)
          values (${workspaceId}, ${id}, ${j.version + 1}, ${JSON.stringify(def)}, ${now}, ${await logPosition(tx, workspaceId)})`);
        await tx.query(sql`update journeys set version = version + 1, updated_at = ${now} where workspace_id = ${workspaceId} and id = ${id}`);
      } else {
        await tx.query(sql`update journey_versions set definition = ${JSON.stringify(def)} where workspace_id = ${workspaceId} and journey_id = ${id} and version = ${j.version}`);
      }
    }
    return { ...(await getJourney(tx, workspaceId, id)), problems };
  });
}

async function lockJourney(q: Queryable, workspaceId: number, id: number): Promise<Journey> {
  await q.query(sql`select 1 from journeys where workspace_id = ${workspaceId} and id = ${id} for update`);
  return getJourney(q, workspaceId, id);
}

export function problemsError(problems: Problem[]) {
  return new AppError('validation', `the journey cannot be activated: ${problems[0].message}`, problems.map((p) => ({ path: p.step_id ? `steps.${p.step_id}` : p.path, message: `${p.message} — ${p.resolve}`, step_id: p.step_id, resolve: p.resolve }) as any));
}

// J-14: the allowed moves between states
const MOVES: Record<string, JourneyStatus[]> = {
  activate: ['draft', 'stopped'],
  stop: ['active'],
  lock: ['active'],
  archive: ['stopped', 'locked', 'active'],
};
const TARGET: Record<string, JourneyStatus> = { activate: 'active', stop: 'stopped', lock: 'locked', archive: 'archived' };

/** Moves a journey between states (J-14); activation validates the whole journey (J-16). */
export async function transition(ctx: Ctx, workspaceId: number, id: number, action: keyof typeof MOVES, opts: { confirm?: boolean; enrollExisting?: boolean } = {}) {
  return ctx.db.tx(async (tx) => {
    const j = await lockJourney(tx, workspaceId, id);
    if (!MOVES[action].includes(j.status))
      throw new AppError('conflict', `a ${j.status} journey cannot ${action === 'stop' ? 'be stopped' : action === 'lock' ? 'be locked' : action === 'archive' ? 'be archived' : 'be activated'}`, [{ path: 'status', message: `is ${j.status}` }]);
    if (action === 'archive' && j.status === 'active' && !opts.confirm)
      throw new AppError('conflict', 'archiving an active journey stops it first: send confirm: true', [{ path: 'confirm', message: 'required to archive an active journey' }]);
    const now = ctx.clock.now();
    if (action === 'activate') {
      const problems = await journeyProblems(tx, workspaceId, j.definition);
      if (problems.length) throw problemsError(problems);
    }
    await tx.query(sql`
      update journeys set status = ${TARGET[action]}, updated_at = ${now},
             activated_at = case when ${action} = 'activate' and activated_at is null then ${now}::timestamptz else activated_at end
       where workspace_id = ${workspaceId} and id = ${id}`);
    // J-1: the events logged from now on (until a stop) are the ones this journey takes
    if (action === 'activate') await openPeriod(tx, workspaceId, id, now);
    else if (j.status === 'active') await closePeriod(tx, workspaceId, id, now);
    if (action === 'archive') {
      await tx.query(sql`
        update enrollments set status = 'exited', exit_reason = 'journey_archived', finished_at = ${now}, next_run_at = null
         where workspace_id = ${workspaceId} and journey_id = ${id} and status = 'active'`);
    }
    let enrolled = 0;
    if (action === 'activate' && j.status === 'draft') {
      await scheduleJourneyJobs(tx, ctx, workspaceId, j);
      if (opts.enrollExisting ?? (j.definition.trigger.type === 'list_joined' && j.definition.trigger.enroll_existing))
        enrolled = await enrollExisting(ctx, tx, workspaceId, { ...j, status: 'active' });
    }
    return { ...(await getJourney(tx, workspaceId, id)), enrolled };
  });
}

/** Date triggers run on the jobs queue: the first run is scheduled on activation. */
async function scheduleJourneyJobs(tx: Queryable, ctx: Ctx, workspaceId: number, j: Journey) {
  const { scheduleDateTrigger } = await import('./date-trigger.ts');
  await scheduleDateTrigger(tx, ctx, workspaceId, j);
}

export async function deleteJourney(q: Queryable, workspaceId: number, id: number) {
  const { rows } = await q.query<{ status: string }>(sql`select status from journeys where workspace_id = ${workspaceId} and id = ${id}`);
  if (!rows[0]) throw notFound('journey');
  if (!['draft', 'archived'].includes(rows[0].status)) throw new AppError('conflict', `archive the journey before deleting it (it is ${rows[0].status})`, [{ path: 'status', message: `is ${rows[0].status}` }]);
  await q.query(sql`delete from journeys where workspace_id = ${workspaceId} and id = ${id}`);
}

/** Any journey, in any state, copied into a new draft (J-14). */
export async function duplicateJourney(ctx: Ctx, workspaceId: number, id: number, name?: string) {
  const j = await getJourney(ctx.db, workspaceId, id);
  return createJourney(ctx, workspaceId, { name: name ?? `${j.name} (copy)`, definition: j.definition });
}

export async function listVersions(q: Queryable, workspaceId: number, id: number) {
  await getJourney(q, workspaceId, id);
  const { rows } = await q.query(sql`
    select v.version, v.created_at, v.definition,
           (select count(*) from enrollments e where e.workspace_id = v.workspace_id and e.journey_id = v.journey_id and e.version = v.version)::int as entered,
           (select count(*) from enrollments e where e.workspace_id = v.workspace_id and e.journey_id = v.journey_id and e.version = v.version and e.status = 'active')::int as in_progress
      from journey_versions v where v.workspace_id = ${workspaceId} and v.journey_id = ${id} order by v.version`);
  return rows;
}

/**
 * Moves enrollments in flight from one version to the current one by an explicit step
 * mapping (J-17); steps without a mapping keep their enrollments where they are.
 */
export async function migrateEnrollments(ctx: Ctx, workspaceId: number, id: number, from: number, mapping: Record<string, string | null>) {
  return ctx.db.tx(async (tx) => {
    const j = await lockJourney(tx, workspaceId, id);
    if (from === j.version) throw new AppError('validation', 'from_version: already the current version', [{ path: 'from_version', message: 'is the current version' }]);
    const target = new Set(j.definition.steps.map((s) => s.id));
    for (const [k, v] of Object.entries(mapping)) if (v !== null && !target.has(v)) throw new AppError('validation', `mapping.${k}: no step ${v} in version ${j.version}`, [{ path: `mapping.${k}`, message: `no step ${v} in version ${j.version}` }]);
    const keys = Object.keys(mapping);
    const { rowCount } = await tx.query(sql`
      update enrollments e set version = ${j.version}, step_id = m.to_step, wait_until = null, next_run_at = ${ctx.clock.now()}
        from unnest(${keys}::text[], ${keys.map((k) => mapping[k])}::text[]) as m(from_step, to_step)
       where e.workspace_id = ${workspaceId} and e.journey_id = ${id} and e.version = ${from} and e.status = 'active' and e.step_id = m.from_step`);
    return { moved: rowCount };
  });
}

export { definitionSchema, structuralProblems };
