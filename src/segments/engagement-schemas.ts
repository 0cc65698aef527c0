import { z } from 'zod';
import { id, timestamp } from '../http/schemas.ts';
import { ENGAGEMENT_LEVELS } from './schema.ts';

/** What the engagement routes answer (S-2, S-3; issue 18: the typed contract). */
const level = z.enum(ENGAGEMENT_LEVELS).meta({ description: 'engagement level (S-2, S-3)' });
const count = (what: string) => z.number().int().min(0).meta({ description: what });

export const engagementSettingsSchema = z
  .object({
    window_days: z.number().int().meta({ description: 'the days of delivered marketing emails looked at' }),
    min_emails: z.number().int().meta({ description: 'emails received in the window before a contact gets a level other than everyone_else' }),
    most_open_rate: z.number().meta({ description: 'the open rate (0 to 1) from which a contact is most engaged' }),
    somewhat_open_rate: z.number().meta({ description: 'the open rate (0 to 1) from which a contact is somewhat engaged; below it, least' }),
  })
  .meta({ id: 'EngagementSettings', description: 'The thresholds in use: workspace settings.engagement, defaults for what is unset or out of range.' });

export const engagementOverview = z.object({
  levels: z
    .object({
      most: count('most engaged contacts'),
      somewhat: count('somewhat engaged contacts'),
      least: count('least engaged contacts'),
      everyone_else: count('contacts without enough emails in the window, or never computed'),
    })
    .meta({ description: 'contacts per level' }),
  settings: engagementSettingsSchema,
});

/** A contact's level now (C-6): what the contact record shows and the engagement route starts with. */
export const currentLevel = z.object({
  level: level.meta({ description: 'the current level; everyone_else until computed' }),
  previous_level: level.nullable().meta({ description: 'the level before its latest change; null if it never changed' }),
  changed_at: z.iso.datetime().nullable().meta({ description: 'when the level last changed (ISO 8601); null if never computed' }),
});

export const contactEngagementAnswer = z.object({
  contact_id: id,
  ...currentLevel.shape,
  history: z
    .array(z.object({ level, previous_level: level.nullable(), changed_at: timestamp }))
    .meta({ description: 'the latest 50 changes, newest first' }),
});
