import { sql, type Queryable } from '../db/index.ts';
import type { LoggedEvent } from '../events/index.ts';
import type { Definition } from './definition.ts';

/**
 * J-1: when a journey took entries, and which version new entries got. An event enters a
 * journey only if the journey was live when the event was logged (its id is after the
 * activation's last event id and not after the stop's), in the version published before it,
 * and the journey is still active now. Log positions, not clock readings, decide: a manual clock
 * gives every call the same instant, and a list join logged before the activation must not enter.
 *
 * The event's time, per trigger kind:
 * - list_joined, property_updated, segment_entered: events Parcours logs when it makes the change
 *   (occurred_at is created_at), so the log position is the event's time.
 * - event, abandoned_cart: the sender states when the event happened (occurred_at). The event must
 *   also have happened while the journey was live: a purchase from last month received today (a
 *   history import, a late webhook) does not start a post-purchase journey activated this morning.
 */
export interface LiveJourney {
  workspace_id: number;
  id: number;
  status: string;
  periods: { started_at: Date; after_event: number; ended_at: Date | null; until_event: number | null }[];
  /** Newest first. */
  versions: { version: number; after_event: number; definition: Definition }[];
}

export interface JourneyAt {
  id: number;
  version: number;
  status: string;
  definition: Definition;
}

/** The workspace's last event id: what a period or version is ordered against. */
export async function logPosition(q: Queryable, workspaceId: number): Promise<number> {
  const { rows } = await q.query<{ id: string | null }>(sql`select max(id)::text as id from events where workspace_id = ${workspaceId}`);
  return Number(rows[0]?.id ?? 0);
}

export async function openPeriod(q: Queryable, workspaceId: number, journeyId: number, now: Date) {
  await q.query(sql`
    insert into journey_periods (workspace_id, journey_id, started_at, after_event)
    values (${workspaceId}, ${journeyId}, ${now}, ${await logPosition(q, workspaceId)})`);
}

export async function closePeriod(q: Queryable, workspaceId: number, journeyId: number, now: Date) {
  await q.query(sql`
    update journey_periods set ended_at = ${now}, until_event = ${await logPosition(q, workspaceId)}
     where workspace_id = ${workspaceId} and journey_id = ${journeyId} and ended_at is null`);
}

/** The active journeys of the events' workspaces, with the periods and versions those events can fall in. */
export async function liveJourneys(q: Queryable, events: LoggedEvent[]): Promise<LiveJourney[]> {
  if (!events.length) return [];
  const workspaces = [...new Set(events.map((e) => e.workspace_id))];
  const first = Math.min(...events.map((e) => Number(e.id)));
  const { rows: periods } = await q.query<LiveJourney['periods'][number] & { workspace_id: number; journey_id: number }>(sql`
    select p.workspace_id, p.journey_id, p.started_at, p.after_event::float8 as after_event, p.ended_at, p.until_event::float8 as until_event
      from journey_periods p join journeys j on j.workspace_id = p.workspace_id and j.id = p.journey_id
     where j.workspace_id = any(${workspaces}::bigint[]) and j.status = 'active' and (p.until_event is null or p.until_event >= ${first})`);
  if (!periods.length) return [];
  const { rows: versions } = await q.query<LiveJourney['versions'][number] & { workspace_id: number; journey_id: number; status: string }>(sql`
    select v.workspace_id, v.journey_id, j.status, v.version, v.after_event::float8 as after_event, v.definition
      from journeys j join journey_versions v on v.workspace_id = j.workspace_id and v.journey_id = j.id
     where j.workspace_id = any(${workspaces}::bigint[]) and j.status = 'active'
       and v.version >= coalesce((select max(o.version) from journey_versions o
                                   where o.workspace_id = j.workspace_id and o.journey_id = j.id and o.after_event < ${first}), 1)
     order by v.version desc`);
  const out = new Map<string, LiveJourney>();
  for (const v of versions) {
    const key = `${v.workspace_id}:${v.journey_id}`;
    const j = out.get(key) ?? out.set(key, { workspace_id: v.workspace_id, id: v.journey_id, status: v.status, periods: [], versions: [] }).get(key)!;
    j.versions.push({ version: v.version, after_event: v.after_event, definition: v.definition });
  }
  for (const p of periods) out.get(`${p.workspace_id}:${p.journey_id}`)?.periods.push(p);
  return [...out.values()].filter((j) => j.periods.length);
}

const CUSTOM = new Set(['event', 'abandoned_cart']);

/** The journey as it was for this event, or null when it was not taking entries then. */
export function journeyAt(j: LiveJourney, e: LoggedEvent): JourneyAt | null {
  if (e.workspace_id !== j.workspace_id) return null;
  const id = Number(e.id);
  const period = j.periods.find((p) => id > p.after_event && (p.until_event === null || id <= p.until_event));
  if (!period) return null;
  const v = j.versions.find((x) => x.after_event < id) ?? j.versions[j.versions.length - 1];
  if (CUSTOM.has(v.definition.trigger.type)) {
    const at = new Date(e.occurred_at).getTime();
    if (at < new Date(period.started_at).getTime() || (period.ended_at && at > new Date(period.ended_at).getTime())) return null;
  }
  return { id: j.id, version: v.version, status: j.status, definition: v.definition };
}
