import { z } from 'zod';
import { checkedByHandler, id, pageOf, timestamp } from '../http/schemas.ts';
import { contact } from '../contacts/schemas.ts';
import { BUILTIN_SEGMENTS, type BuiltinSegmentId } from './segments.ts';
import { conditionSchema, criteriaSchema } from './schema.ts';

/** What the segments and engagement routes take and answer (issue 18: the typed contract). */

/** Criteria: parsed node by node by the handler, against the workspace's custom fields and lists. */
export const criteriaInput = checkedByHandler(criteriaSchema);

const BUILTIN_IDS = Object.keys(BUILTIN_SEGMENTS) as [BuiltinSegmentId, ...BuiltinSegmentId[]];

export const segment = z
  .object({
    id: z.union([id, z.enum(BUILTIN_IDS)]).meta({ description: `a saved segment's number, or a built-in engagement segment's slug (${BUILTIN_IDS.join(', ')})` }),
    name: z.string(),
    description: z.string(),
    criteria: criteriaSchema,
    builtin: z.boolean().meta({ description: 'one of the four engagement segments every workspace has (S-2): read-only, can be copied' }),
    created_at: timestamp.nullable().meta({ description: 'null for a built-in segment' }),
    updated_at: timestamp.nullable().meta({ description: 'null for a built-in segment' }),
    members_refreshed_at: timestamp.nullable().optional().meta({ description: 'when its tracked membership was last recomputed (J-5); null until the first refresh; absent for a built-in segment' }),
  })
  .meta({ id: 'Segment' });

export const count = z.object({ count: z.number().int().meta({ description: 'the contacts matching now' }) });
export const added = z.object({ added: z.number().int().meta({ description: 'contacts added to the list (those already on it are left as they are)' }) });
export const jobStarted = z.object({ job_id: id.meta({ description: 'poll GET /api/v1/jobs/{id} for its status' }) });
export const members = pageOf(contact);

/** Explain (S-4): the tree as evaluated for one contact, each node with its result. */
const verdict = {
  result: z.boolean().meta({ description: 'whether the contact matches this node' }),
};
const explainedCondition = z.discriminatedUnion(
  'type',
  conditionSchema.options.map((c) =>
    c.extend({
      ...verdict,
      text: z.string().meta({ description: 'the condition and its verdict in words: "score is greater than 20: no (value: 12)"' }),
      actual: z.unknown().optional().meta({ description: "the contact's own value behind the condition (a field, a consent status, a level, a total), where there is one" }),
    }),
  ) as unknown as [typeof conditionSchema.options[number]],
);
export const explainedNode: z.ZodType = z.lazy(() =>
  z.union([z.object({ all: z.array(explainedNode), ...verdict }), z.object({ any: z.array(explainedNode), ...verdict }), explainedCondition]),
);
z.globalRegistry.add(explainedNode, { id: 'ExplainedCriteria', description: 'A criteria tree as evaluated for one contact: each group and condition with its result.' });

export const explanation = z.object({
  segment_id: segment.shape.id,
  contact_id: id,
  result: z.boolean().meta({ description: 'whether the contact is in the segment now' }),
  criteria: explainedNode,
});
