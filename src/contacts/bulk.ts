import { setImmediate as yieldToOthers } from 'node:timers/promises';
import { sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { lastContactId, matchingIds, type ContactFilter } from './browse.ts';
import { resolveContactIds } from './contacts.ts';
import { assertLists, joinLists, leaveLists } from './lists.ts';
import { addTags, checkTag, removeTags } from './tags.ts';

export const BULK_ACTIONS = ['tag', 'untag', 'add_to_list', 'remove_from_list', 'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export interface BulkRequest {
  action: BulkAction;
  tags?: string[];
  list_ids?: number[];
  /** Either the chosen contacts… */
  contact_ids?: number[];
  /** …or every contact matching a filter when the request starts (contacts added later are left out). */
  filter?: ContactFilter;
  /** How list memberships are recorded (list.joined/list.left `source`). */
  source?: 'api' | 'manual';
}

/**
 * Contacts per transaction: each batch commits on its own, so 100,000 contacts never hold the
 * database (on the embedded one, every other request) for more than one batch's time.
 */
export const BULK_BATCH = 1_000;

const need = (path: string, message: string) => new AppError('validation', `${path}: ${message}`, [{ path, message }]);

/**
 * Tags, untags, adds to or removes from lists, or deletes many contacts: the chosen ones or all
 * matching a filter. Done in batches of BULK_BATCH, each its own short transaction, logging
 * each change as the single-contact routes do (tag.added, tag.removed, list.joined, list.left),
 * so journeys and segments react alike. Every change is idempotent, so a retry that finds part
 * of the work done completes it.
 */
export async function bulkContacts(ctx: Ctx, workspaceId: number, req: BulkRequest) {
  if ((req.contact_ids === undefined) === (req.filter === undefined))
    throw need('contact_ids', 'give either contact_ids or filter (use filter: {} for every contact)');
  const tagging = req.action === 'tag' || req.action === 'untag';
  const listing = req.action === 'add_to_list' || req.action === 'remove_from_list';
  if (tagging && !req.tags?.length) throw need('tags', `required for ${req.action}: one tag or more`);
  if (listing && !req.list_ids?.length) throw need('list_ids', `required for ${req.action}: one list or more`);
  if (!tagging && req.tags) throw need('tags', `not used by ${req.action}`);
  if (!listing && req.list_ids) throw need('list_ids', `not used by ${req.action}`);
  const tags = (req.tags ?? []).map((t, i) => checkTag(t, `tags[${i}]`));
  const listIds = req.list_ids ?? [];
  const source = req.source ?? 'api';
  await assertLists(ctx.db, workspaceId, listIds, 'list_ids');
  if (req.filter?.listId)
    await assertLists(ctx.db, workspaceId, [req.filter.listId]).catch(() => {
      throw need('filter.list_id', `no list ${req.filter!.listId} in this workspace`);
    });
  if (req.contact_ids) await resolveContactIds(ctx.db, workspaceId, req.contact_ids, 'contact_ids');

  const apply = async (ids: number[]) =>
    ctx.db.tx(async (tx) => {
      const now = ctx.clock.now();
      switch (req.action) {
        case 'tag': return addTags(tx, now, workspaceId, ids, tags);
        case 'untag': return removeTags(tx, now, workspaceId, ids, tags);
        case 'add_to_list': return joinLists(tx, now, workspaceId, ids, listIds, source);
        case 'remove_from_list': return leaveLists(tx, now, workspaceId, ids, listIds, source);
        case 'delete': {
          const r = await tx.query(sql`delete from contacts where workspace_id = ${workspaceId} and id = any(${ids}::bigint[])`);
          return r.rowCount;
        }
      }
    });

  let contacts = 0;
  let changed = 0;
  const run = async (ids: number[]) => {
    contacts += ids.length;
    changed += await apply(ids);
    await yieldToOthers();
  };
  if (req.contact_ids) {
    const ids = [...new Set(req.contact_ids)];
    for (let i = 0; i < ids.length; i += BULK_BATCH) await run(ids.slice(i, i + BULK_BATCH));
  } else {
    // the contacts there are now: keyset over ids up to the last one
    const upTo = await lastContactId(ctx.db, workspaceId);
    for (let after = 0; ; ) {
      const ids = await matchingIds(ctx.db, workspaceId, req.filter!, after, upTo, BULK_BATCH);
      if (ids.length === 0) break;
      await run(ids);
      after = ids[ids.length - 1];
    }
  }
  return { action: req.action, contacts, changed };
}
