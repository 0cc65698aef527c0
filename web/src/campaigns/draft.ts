/** The editable part of a campaign (src/campaigns/definition.ts), as the wizard holds it. */
export type SegmentRef = number | string;

export interface Variant {
  id: string;
  message_id?: number;
  subject?: string;
  from?: { name: string; email: string; reply_to?: string };
}

export interface AbTest {
  variants: Variant[];
  test_percent: number;
  winner_metric: 'opens' | 'clicks';
  decide_after: string;
  auto: boolean;
}

export type Schedule = { type: 'now' } | { type: 'at'; at: string; timezone: string } | { type: 'optimized'; default_hour: number };

export interface Window {
  timezone: string;
  days: number[];
  start: string;
  end: string;
}

export interface Options {
  pacing?: { per_hour?: number; spread_over?: string };
  deadline?: string;
  subject_prefix?: string;
  language?: string;
  window?: Window;
}

export interface Draft {
  name: string;
  message_id: number;
  recipients: { lists: number[]; segments: SegmentRef[]; exclude_lists: number[]; exclude_segments: SegmentRef[] };
  duplicates: 'per_contact' | 'per_email';
  control_group_percent: number;
  ab_test: AbTest | null;
  schedule: Schedule;
  options: Options;
}

export function fromCampaign(c: any): Draft {
  const { name, message_id, recipients, duplicates, control_group_percent, ab_test, schedule, options } = c;
  return { name, message_id, recipients, duplicates, control_group_percent, ab_test, schedule, options: options ?? {} };
}

/** A new A/B test: two variants to fill in, a fifth of the audience tested, 4 hours. */
export function newAbTest(): AbTest {
  return { variants: [{ id: 'A' }, { id: 'B' }], test_percent: 20, winner_metric: 'opens', decide_after: '4h', auto: true };
}

/** The next free variant letter. */
export function nextVariantId(vs: Variant[]): string {
  const taken = new Set(vs.map((v) => v.id));
  for (const l of 'ABCDEFGHIJ') if (!taken.has(l)) return l;
  return `V${vs.length + 1}`;
}

/** Wizard steps and the API paths whose errors belong to each. */
export const WIZARD_STEPS: { key: string; label: string; paths: string[] }[] = [
  { key: 'recipients', label: 'Recipients', paths: ['name', 'message_id', 'recipients', 'duplicates', 'control_group_percent'] },
  { key: 'ab', label: 'A/B test', paths: ['ab_test'] },
  { key: 'schedule', label: 'Schedule', paths: ['schedule'] },
  { key: 'options', label: 'Options', paths: ['options'] },
];
