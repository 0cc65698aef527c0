import { sql, type Queryable } from '../db/index.ts';
import { appendEvents } from '../events/index.ts';
import { invalid } from '../errors.ts';

export type Channel = 'email' | 'sms';
export const EMAIL_STATUSES = ['subscribed', 'unsubscribed', 'bounced', 'complained'] as const;
export const SMS_STATUSES = ['none', 'opted_in', 'opted_out'] as const;

/** The ground for giving consent back to a contact who withdrew it, or whose address failed. */
export interface ConsentProof {
  reason: string;
  /** When the contact gave consent (ISO 8601). */
  consented_at: string;
  /** Where: a paper form, a phone call, an event, the double opt-in confirmation… */
  source: string;
}

export interface ConsentChange {
  channel: Channel;
  status: string;
  source: string;
  ip?: string | null;
  /** Who made the change: a user or an API key of the workspace, or the contact themself. */
  actor?: string | null;
  reason?: string | null;
  proof?: ConsentProof | null;
}

/**
 * A change that gives consent back (email to subscribed after unsubscribed, bounced or
 * complained; SMS to opted_in after opted_out) needs a proof (issue 16): one click must not
 * undo someone's unsubscribe. Throws a 400 naming `path` without one.
 */
export function assertMayResubscribe(channel: Channel, previous: string | null, next: string, proof: ConsentProof | null | undefined, path = 'proof') {
  const lifts = channel === 'email' ? next === 'subscribed' && ['unsubscribed', 'bounced', 'complained'].includes(previous ?? '') : next === 'opted_in' && previous === 'opted_out';
  if (!lifts || proof) return;
  throw invalid(path, `this contact's ${channel} consent is ${previous}: re-subscribing takes a proof of consent ({ reason, consented_at, source })`);
}

/**
 * Sets a contact's email or SMS consent (C-4). A real change is kept in the consent history
 * and logged as consent.changed; setting the current status again changes nothing.
 */
export async function setConsent(q: Queryable, now: Date, workspaceId: number, contactId: number, c: ConsentChange): Promise<boolean> {
  const column = c.channel === 'email' ? sql`email_status` : sql`sms_status`;
  const { rows: old } = await q.query<{ previous: string }>(sql`
    select ${column} as previous from contacts where workspace_id = ${workspaceId} and id = ${contactId} for update`);
  if (!old[0] || old[0].previous === c.status) return false;
  assertMayResubscribe(c.channel, old[0].previous, c.status, c.proof);
  await q.query(sql`update contacts set ${column} = ${c.status}, updated_at = ${now} where workspace_id = ${workspaceId} and id = ${contactId}`);
  await recordConsent(q, now, workspaceId, [{ contactId, ...c, previous: old[0].previous }]);
  return true;
}

/**
 * History rows and consent.changed events for changes already written to contacts. Writing
 * the contact's row locked it in this transaction: that lock stands in for a foreign key
 * (migration 017), and a delete of the contact waits for it, then removes these rows.
 */
export async function recordConsent(
  q: Queryable,
  now: Date,
  workspaceId: number,
  changes: (ConsentChange & { contactId: number; previous: string | null })[],
) {
  if (changes.length === 0) return;
  await q.query(sql`
    insert into consent_history (workspace_id, contact_id, channel, status, source, ip, actor, reason, proof, occurred_at)
    select ${workspaceId}, c, ch, s, src, ip, a, r, p::jsonb, ${now}
      from unnest(${changes.map((x) => x.contactId)}::bigint[], ${changes.map((x) => x.channel)}::text[],
                  ${changes.map((x) => x.status)}::text[], ${changes.map((x) => x.source)}::text[],
                  ${changes.map((x) => x.ip ?? null)}::text[], ${changes.map((x) => x.actor ?? null)}::text[],
                  ${changes.map((x) => x.reason ?? null)}::text[], ${changes.map((x) => (x.proof ? JSON.stringify(x.proof) : null))}::text[])
           as u(c, ch, s, src, ip, a, r, p)`);
  await appendEvents(
    q,
    now,
    changes.map((x) => ({
      workspaceId,
      contactId: x.contactId,
      type: 'consent.changed',
      data: { channel: x.channel, status: x.status, previous: x.previous, source: x.source, ...(x.actor ? { actor: x.actor } : {}) },
    })),
  );
}

export async function consentHistory(q: Queryable, workspaceId: number, contactId: number) {
  const { rows } = await q.query(sql`
    select channel, status, source, ip, actor, reason, proof, occurred_at from consent_history
     where workspace_id = ${workspaceId} and contact_id = ${contactId} order by id desc`);
  return rows;
}
