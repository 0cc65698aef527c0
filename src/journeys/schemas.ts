import { z } from 'zod';
import { id, timestamp, version } from '../http/schemas.ts';
import { definitionSchema } from './definition.ts';

/** Response shapes of the journey routes (issue 18); the definition is documented by definition.ts. */

export const journeyDefinition = definitionSchema.meta({
  id: 'JourneyDefinition',
  description: 'A journey: its trigger, entry filter, steps linked by `next` ids (null ends a path), exit criteria, goal and settings (J-1 … J-19, see JOURNEYS.md).',
});

export const journeyStatus = z.enum(['draft', 'active', 'locked', 'stopped', 'archived']).meta({
  id: 'JourneyStatus',
  description: 'draft → active (takes contacts) → stopped (no new contacts, none moves) or locked (no new contacts, those in flight go on) → archived (J-14)',
});

export const problem = z
  .object({
    step_id: z.string().nullable().meta({ description: 'the step it is about; null for the trigger or settings' }),
    path: z.string(),
    message: z.string(),
    resolve: z.string().meta({ description: 'how to fix it' }),
  })
  .meta({ id: 'JourneyProblem', description: 'Something that keeps a journey from being activated (J-16).' });

const journeyFields = {
  id,
  name: z.string(),
  status: journeyStatus,
  version: version.meta({ description: 'the version new enrollments enter' }),
  definition: journeyDefinition,
  activated_at: timestamp.nullable().meta({ description: 'first activation' }),
  created_at: timestamp,
  updated_at: timestamp,
};

export const journeySchema = z
  .object({ ...journeyFields, problems: z.array(problem).meta({ description: 'what must be fixed before activation; empty when it can be activated' }) })
  .meta({ id: 'Journey', description: 'A journey at one version, with its problems.' });

export const journeyTransition = z
  .object({ ...journeyFields, enrolled: z.number().int().meta({ description: 'contacts enrolled on activation (enroll_existing); 0 otherwise' }) })
  .meta({ id: 'JourneyTransition', description: 'The journey after a move between states.' });

export const journeySummary = z
  .object({
    id,
    name: z.string(),
    status: journeyStatus,
    version,
    activated_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    in_progress: z.number().int().meta({ description: 'active enrollments' }),
  })
  .meta({ id: 'JourneySummary' });

export const journeyVersion = z
  .object({
    version,
    created_at: timestamp,
    definition: journeyDefinition,
    entered: z.number().int().meta({ description: 'enrollments on this version' }),
    in_progress: z.number().int(),
  })
  .meta({ id: 'JourneyVersion' });

export const enrollment = z
  .object({
    id,
    contact_id: id,
    version,
    status: z.enum(['active', 'completed', 'exited']),
    step_id: z.string().nullable().meta({ description: 'the step it is at (waiting or about to run)' }),
    wait_until: timestamp.nullable(),
    next_run_at: timestamp.nullable(),
    entered_at: timestamp,
    finished_at: timestamp.nullable(),
    exit_reason: z.string().nullable(),
  })
  .meta({ id: 'Enrollment' });

const stepReport = z.object({
  reached: z.number().int().meta({ description: 'contacts done with the step or waiting at it' }),
  waiting: z.number().int(),
  skipped: z.number().int(),
  branches: z.record(z.string(), z.number().int()).meta({ description: 'contacts per branch id' }),
  sent: z.number().int(), queued: z.number().int(), suppressed: z.number().int(), failed: z.number().int(), bounced: z.number().int(),
  delivered: z.number().int(),
  opened: z.number().int().meta({ description: 'unique contacts (a click counts as an open)' }), opened_total: z.number().int(),
  clicked: z.number().int(), clicked_total: z.number().int(),
  unsubscribed: z.number().int(), complained: z.number().int(),
}).catchall(z.number());

export const journeyReportSchema = z
  .object({
    entered: z.number().int(),
    in_progress: z.number().int(),
    completed: z.number().int(),
    exited: z.number().int(),
    exited_by_reason: z.record(z.string(), z.number().int()),
    steps: z.record(z.string(), stepReport).meta({ description: 'per step id' }),
    daily: z.array(z.object({ day: z.string().meta({ description: 'YYYY-MM-DD' }), entered: z.number().int(), finished: z.number().int() })),
    revenue: z.object({
      revenue: z.number().meta({ description: 'sum of attributed orders (purchases within 7 days of a click), all currencies' }),
      orders: z.number().int(),
      by_currency: z.record(z.string(), z.object({ revenue: z.number(), orders: z.number().int() })),
    }),
  })
  .meta({ id: 'JourneyReport', description: 'J-21: entered, in progress, completed, exited; per step and branch; per day; revenue.' });

export const dryRunContact = z
  .object({
    contact_id: id,
    timeline: z.array(z.object({
      at: z.string().meta({ description: 'ISO 8601 instant' }),
      step_id: z.string().nullable(),
      what: z.string(),
      branch: z.string().optional(),
      why: z.string().optional(),
    })),
  })
  .meta({ id: 'JourneyDryRun' });

export const journeyTemplate = z
  .object({ key: z.string(), title: z.string(), description: z.string(), needs: z.enum(['list_id']).nullable().meta({ description: 'the input the template requires' }) })
  .meta({ id: 'JourneyTemplate' });
