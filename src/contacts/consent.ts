import { sql, type Queryable } from '../db/index.ts';
import { appendEvents } from '../events/index.ts';

export type Channel = 'email' | 'sms';
export const EMAIL_STATUSES = ['subscribed', 'unsubscribed', 'bounced', 'complained'] as const;
export const SMS_STATUSES = ['none', 'opted_in', 'opted_out'] as const;

export interface ConsentChange {
  channel: Channel;
  status: string;
  source: string;
  ip?: string | null;
}

/**
 * Sets a contact's email or SMS consent (C-4). A real change is kept in the consent history
 * and logged as consent.changed; setting the current status again changes nothing.
 */
export async function setConsent(q: Queryable, now: Date, workspaceId: number, contactId: number, c: ConsentChange): Promise<boolean> {
  const column = c.channel === 'email' ? sql`email_status` : sql`sms_status`;
  const { rows } = await q.query<{ previous: string }>(sql`
    update contacts t set ${column} = ${c.status}, updated_at = ${now}
      from (select ${column} as previous from contacts
             where workspace_id = ${workspaceId} and id = ${contactId} for update) old
     where t.workspace_id = ${workspaceId} and t.id = ${contactId} and old.previous <> ${c.status}
    returning old.previous`);
  if (!rows[0]) return false;
  await recordConsent(q, now, workspaceId, [{ contactId, ...c, previous: rows[0].previous }]);
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
    insert into consent_history (workspace_id, contact_id, channel, status, source, ip, occurred_at)
    select ${workspaceId}, c, ch, s, src, ip, ${now}
      from unnest(${changes.map((x) => x.contactId)}::bigint[], ${changes.map((x) => x.channel)}::text[],
                  ${changes.map((x) => x.status)}::text[], ${changes.map((x) => x.source)}::text[],
                  ${changes.map((x) => x.ip ?? null)}::text[]) as u(c, ch, s, src, ip)`);
  await appendEvents(
    q,
    now,
    changes.map((x) => ({
      workspaceId,
      contactId: x.contactId,
      type: 'consent.changed',
      data: { channel: x.channel, status: x.status, previous: x.previous, source: x.source },
    })),
  );
}

export async function consentHistory(q: Queryable, workspaceId: number, contactId: number) {
  const { rows } = await q.query(sql`
    select channel, status, source, ip, occurred_at from consent_history
     where workspace_id = ${workspaceId} and contact_id = ${contactId} order by id desc`);
  return rows;
}
