import { sql, type Queryable } from '../db/index.ts';
import { criteriaEnv, evaluateFor, parseCriteria, type CriteriaEnv } from '../segments/index.ts';
import type { Definition } from './definition.ts';
import type { Facts } from './engine.ts';

/**
 * Facts for a batch of enrollments of one journey version, one query per condition for the
 * whole batch (ARCHITECTURE "Due work"): goal, exit criteria, trigger-list membership.
 */
export async function batchFacts(q: Queryable, workspaceId: number, def: Definition, contactIds: number[], now: Date, contacts: Map<number, Record<string, unknown>>) {
  const env = await criteriaEnv(q, workspaceId, now);
  const ids = [...new Set(contactIds)];
  const [goal, exit, onList] = await Promise.all([
    def.goal ? evaluateFor(q, parseCriteria(def.goal, env.fields), ids, env) : null,
    def.exit_criteria ? evaluateFor(q, parseCriteria(def.exit_criteria, env.fields), ids, env) : null,
    def.trigger.type === 'list_joined' ? onTriggerLists(q, workspaceId, def.trigger.list_ids, ids) : null,
  ]);
  const facts = new Map<number, Facts>();
  for (const id of ids) {
    const c = contacts.get(id);
    facts.set(id, {
      goal: goal?.has(id) ?? false,
      exit: exit?.has(id) ?? false,
      onTriggerList: onList ? onList.has(id) : undefined,
      splits: new Map(),
      contact: c ? { ...(c.fields as object), ...c } : undefined,
    });
  }
  return { facts, env };
}

async function onTriggerLists(q: Queryable, workspaceId: number, listIds: number[], ids: number[]) {
  const { rows } = await q.query<{ contact_id: number }>(sql`
    select distinct contact_id from list_members
     where workspace_id = ${workspaceId} and list_id = any(${listIds}::bigint[]) and contact_id = any(${ids}::bigint[])`);
  return new Set(rows.map((r) => r.contact_id));
}

/** Fills the split facts the engine asked for: one query per (step, branch) for the batch. */
export async function fillSplitFacts(q: Queryable, def: Definition, env: CriteriaEnv, wanted: Map<string, number[]>, facts: Map<number, Facts>) {
  for (const [key, contactIds] of wanted) {
    const [stepId, branchId] = key.split(':');
    const step = def.steps.find((s) => s.id === stepId);
    const branch = step?.type === 'split' ? step.branches.find((b) => b.id === branchId) : undefined;
    const ok = branch ? await evaluateFor(q, parseCriteria(branch.criteria, env.fields), [...new Set(contactIds)], env) : new Set<number>();
    for (const id of contactIds) facts.get(id)?.splits.set(key, ok.has(id));
  }
}
