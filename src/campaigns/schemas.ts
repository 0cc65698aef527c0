import { z } from 'zod';
import { id, timestamp, version } from '../http/schemas.ts';
import { abTestSchema, optionsSchema, recipientsSchema, scheduleSchema } from './definition.ts';

/** Response shapes of the campaign routes (issue 18), beside the input shapes of definition.ts. */

export const campaignStatus = z
  .enum(['draft', 'awaiting_approval', 'rejected', 'approved', 'scheduled', 'sending', 'paused', 'sent', 'cancelled'])
  .meta({
    id: 'CampaignStatus',
    description:
      'draft → (prepare) awaiting_approval → (approve) approved (sends now / optimized) or scheduled (at a time) → sending → sent; rejected goes back to its author; paused and cancelled by hand (K-6, K-7)',
  });

const frozenVariant = z.object({
  id: z.string().nullable().meta({ description: 'the A/B variant id; null without an A/B test' }),
  message_id: id,
  version: version.meta({ description: 'the message version pinned by prepare' }),
  languages: z.array(z.string()).meta({ description: 'the language versions of that message version' }),
  options: z.record(z.string(), z.unknown()).meta({ description: 'per-delivery options: subject_prefix, window, from' }),
  derived: z.boolean().optional().meta({ description: 'true when a message was made for the variant’s subject override' }),
});

export const frozenSchema = z
  .object({ channel: z.enum(['email', 'sms']), variants: z.array(frozenVariant) })
  .meta({ id: 'CampaignFrozen', description: 'The message versions the campaign sends, fixed by prepare: what was checked is what goes out (K-6).' });

const variantRate = z.object({
  variant: z.string(),
  sent: z.number().int(),
  engaged: z.number().int().meta({ description: 'contacts who opened (or clicked, by winner_metric)' }),
  rate: z.number().meta({ description: 'engaged / sent, 0 to 1' }),
});

export const abStateSchema = z
  .object({
    phase: z.enum(['test', 'waiting', 'decided']).meta({ description: 'test: the test share is sending; waiting: decide_after passed and auto is off, a pick is awaited; decided: a winner goes to the rest' }),
    decide_at: z.string().meta({ description: 'ISO 8601 instant of the automatic decision' }),
    winner: z.string().nullable().optional(),
    by: z.enum(['auto', 'manual']).optional(),
    rates: z.array(variantRate).optional(),
  })
  .meta({ id: 'CampaignAbState', description: 'A/B test progress (K-5).' });

export const calculationSchema = z
  .object({
    matching: z.number().int().meta({ description: 'contacts matching the lists and segments, exclusions applied' }),
    no_address: z.number().int().meta({ description: 'without an email address (or phone for SMS)' }),
    suppressed: z.number().int().meta({ description: 'without consent or on the suppression list' }),
    duplicates_collapsed: z.number().int().meta({ description: 'contacts sharing an address, sent once (duplicates: per_email)' }),
    control_group: z.number().int().meta({ description: 'held out: receive nothing (K-3)' }),
    recipients: z.number().int().meta({ description: 'who will be sent the campaign' }),
    ab_test: z.object({ test: z.number().int(), remainder: z.number().int() }).optional().meta({ description: 'with an A/B test: the test share and the rest' }),
  })
  .meta({ id: 'CampaignCalculation', description: 'Recipient counts (K-1).' });

export const checkSchema = z
  .object({
    key: z.enum(['sender', 'subject', 'unsubscribe_link', 'personalization', 'links', 'recipients', 'schedule', 'language']),
    label: z.string(),
    ok: z.boolean(),
    problems: z.array(z.string()),
  })
  .meta({ id: 'CampaignCheck', description: 'One line of the prepare checklist (K-6).' });

const storedChecklist = z.object({
  ok: z.boolean(),
  checks: z.array(checkSchema),
  calculation: calculationSchema,
  checked_at: z.string().meta({ description: 'ISO 8601 instant of the check' }),
});

export const campaignSchema = z
  .object({
    id,
    name: z.string(),
    message_id: id,
    status: campaignStatus,
    recipients: recipientsSchema,
    duplicates: z.enum(['per_contact', 'per_email']).meta({ description: 'per_email: contacts sharing an address get one message' }),
    control_group_percent: z.number().meta({ description: 'percentage (0–50) of the audience held out' }),
    ab_test: abTestSchema.nullable(),
    schedule: scheduleSchema,
    options: optionsSchema,
    frozen: frozenSchema.nullable(),
    checklist: storedChecklist.nullable().meta({ description: 'the result of the last prepare; null before' }),
    start_at: timestamp.nullable().meta({ description: 'when the fan-out starts, set on approval' }),
    ab_state: abStateSchema.nullable(),
    stats: z.record(z.string(), z.unknown()).meta({ description: 'fan-out counters per phase (main, remainder)' }),
    created_by: id.nullable().meta({ description: 'user id; null when made with an API key' }),
    prepared_by: id.nullable(),
    prepared_at: timestamp.nullable(),
    approved_by: id.nullable(),
    approved_at: timestamp.nullable(),
    paused_at: timestamp.nullable(),
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Campaign', description: 'A one-off send of a message to lists and segments, with approval, schedule, control group and A/B test (K-1 … K-8).' });

export const campaignSummary = z
  .object({
    id,
    name: z.string(),
    message_id: id,
    status: campaignStatus,
    schedule: scheduleSchema,
    start_at: timestamp.nullable(),
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
    stats: z.record(z.string(), z.unknown()),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'CampaignSummary' });

export const prepareResult = z
  .object({
    id,
    status: z.enum(['awaiting_approval', 'draft']).meta({ description: 'awaiting_approval when every check passed, else draft' }),
    ok: z.boolean(),
    checks: z.array(checkSchema),
    calculation: calculationSchema,
  })
  .meta({ id: 'CampaignPrepareResult' });

export const auditEntry = z
  .object({
    id,
    action: z.string().meta({ description: 'created, edited, edited_back_to_draft, prepared, prepare_failed, approved, rejected, paused, resumed, cancelled, ab_winner, ab_waiting_for_pick, sent…' }),
    user_id: id.nullable(),
    user_email: z.string().nullable(),
    via: z.enum(['session', 'api_key', 'system']),
    role: z.string().nullable(),
    reason: z.string().nullable().meta({ description: 'the reason of a rejection' }),
    details: z.record(z.string(), z.unknown()),
    at: timestamp,
  })
  .meta({ id: 'CampaignAuditEntry' });

export const pendingApproval = z
  .object({
    id,
    name: z.string(),
    message_id: id,
    message_name: z.string().nullable(),
    schedule: scheduleSchema,
    prepared_by: id.nullable(),
    prepared_by_email: z.string().nullable(),
    prepared_at: timestamp.nullable(),
    recipients: z.number().int().nullable().meta({ description: 'the recipient count measured by prepare' }),
  })
  .meta({ id: 'PendingApproval' });

const counters = {
  queued: z.number().int(), sending: z.number().int(), paused: z.number().int(), sent: z.number().int(), delivered: z.number().int(),
  bounced: z.number().int(), suppressed: z.number().int(), expired: z.number().int(), failed: z.number().int(), in_doubt: z.number().int(),
  cancelled: z.number().int(), skipped: z.number().int(),
  opened: z.number().int().meta({ description: 'unique contacts' }), opened_total: z.number().int(),
  clicked: z.number().int().meta({ description: 'unique contacts' }), clicked_total: z.number().int(),
  unsubscribed: z.number().int(), complained: z.number().int(),
};
const rates = {
  open_rate: z.number().nullable().meta({ description: 'opened / delivered, 0 to 1; null when nothing was delivered' }),
  click_rate: z.number().nullable(),
  click_to_open_rate: z.number().nullable(),
  bounce_rate: z.number().nullable(),
  unsubscribe_rate: z.number().nullable(),
};
const countersWithRates = z.object({ ...counters, ...rates }).meta({ id: 'CampaignReportCounters' });
const point = { sent: z.number().int(), opened: z.number().int(), clicked: z.number().int() };
const proportion = z.object({ n: z.number().int(), converted: z.number().int() });

export const campaignReportSchema = z
  .object({
    campaign: z.object({ id, name: z.string(), status: campaignStatus, started_at: timestamp.nullable(), finished_at: timestamp.nullable(), timezone: z.string().meta({ description: 'the workspace time zone of hourly and daily' }) }),
    totals: z.object({
      ...counters,
      suppressed_at_send: z.number().int(),
      suppressed_at_fanout: z.number().int(),
      no_address: z.number().int(),
      duplicates_collapsed: z.number().int(),
      control_group: z.number().int(),
    }),
    rates: z.object(rates),
    links: z.array(z.object({ url: z.string().nullable(), clicks: z.number().int(), contacts: z.number().int() })),
    variants: z.record(z.string(), countersWithRates).meta({ description: 'per A/B variant id' }),
    ab_test: abStateSchema.nullable(),
    languages: z.record(z.string(), countersWithRates).meta({ description: 'per language version (default: the base one)' }),
    hourly: z.array(z.object({ hour: z.string().meta({ description: 'YYYY-MM-DDTHH:00, workspace time zone' }), ...point })),
    daily: z.array(z.object({ day: z.string().meta({ description: 'YYYY-MM-DD, workspace time zone' }), ...point })),
    holdout: z
      .object({
        event: z.string(),
        days: z.number().int(),
        from: timestamp,
        to: timestamp,
        complete: z.boolean().meta({ description: 'the observation period is over' }),
        recipients: proportion,
        control: proportion,
        recipients_rate: z.number().nullable(),
        control_rate: z.number().nullable(),
        difference: z.number().nullable(),
        lift: z.number().nullable(),
        ci95: z.array(z.number()).nullable().meta({ description: '95 % Wald interval of the difference [low, high]' }),
        significant: z.boolean(),
      })
      .nullable()
      .meta({ description: 'recipients against the control group on ?event within ?days; null without a control group or before the start' }),
  })
  .meta({ id: 'CampaignReport', description: 'Results of a campaign (K-8).' });

export const resendResult = z
  .object({
    delivery_id: id.meta({ description: 'the new delivery' }),
    resend_of: id,
    message_id: id,
    message_version: version,
    to: z.string().meta({ description: 'the address or phone number it goes to' }),
  })
  .meta({ id: 'ResendResult' });
