import { createHash, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import { sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { invalid } from '../errors.ts';
import { updateContact } from '../contacts/index.ts';
import { systemMessage } from '../messages/index.ts';
import { scheduleDeliveries } from './schedule.ts';

/**
 * SMS opt-in from the invitation page (M-6, issue 16). The link in a mail proves nothing about a
 * phone number (mails are forwarded), so the page sends a 6-digit code to the number given, and
 * the contact is opted in only once that code is typed back: the consent history keeps the
 * number and the code as proof. A code lives 15 minutes and allows 5 tries; a contact gets at
 * most one code a minute and 5 a day.
 */
const CODE_MINUTES = 15;
const MAX_TRIES = 5;
const CODES_PER_DAY = 5;
const CODE_NAME = '[system] SMS opt-in code';
const CODE_TEXT = '{{ workspace.name }}: your code is {{ data.code }}. Type it on the page to get our texts. Reply STOP to stop.';
const E164 = /^\+[1-9]\d{6,14}$/;

const hash = (code: string) => createHash('sha256').update(code).digest('hex');

export async function requestSmsOptIn(ctx: Ctx, workspaceId: number, contactId: number, phone: string, ip?: string): Promise<'sent' | 'wait'> {
  const number = phone.replace(/[\s().-]/g, '');
  if (!E164.test(number)) throw invalid('phone', 'not an E.164 phone number (with the country code, e.g. +33612345678)');
  return ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    const { rows } = await tx.query<{ recent: number; today: number }>(sql`
      select count(*) filter (where created_at > ${new Date(now.getTime() - 60_000)})::int as recent, count(*)::int as today
        from sms_optins where workspace_id = ${workspaceId} and contact_id = ${contactId} and created_at > ${new Date(now.getTime() - 86_400_000)}`);
    if (rows[0].recent > 0 || rows[0].today >= CODES_PER_DAY) return 'wait';
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    await tx.query(sql`
      insert into sms_optins (workspace_id, contact_id, phone, code_hash, ip, created_at, expires_at)
      values (${workspaceId}, ${contactId}, ${number}, ${hash(code)}, ${ip ?? null}, ${now}, ${new Date(now.getTime() + CODE_MINUTES * 60_000)})`);
    const message = await systemMessage(tx, ctx.clock, workspaceId, { name: CODE_NAME, channel: 'sms', content: { text: CODE_TEXT } });
    await scheduleDeliveries(tx, now, [{
      workspaceId, idempotencyKey: `sms-optin:${contactId}:${randomUUID()}`, contactId: null, messageId: message.id, messageVersion: message.version,
      channel: 'sms', to: number, source: 'system', transactional: true, data: { code }, sendAt: now,
    }]);
    return 'sent';
  });
}

/** The code typed back: opts the contact in with that number, or says why not. */
export async function confirmSmsOptIn(ctx: Ctx, workspaceId: number, contactId: number, code: string, ip?: string): Promise<'confirmed' | 'wrong' | 'expired'> {
  const now = ctx.clock.now();
  const pending = await ctx.db.tx(async (tx) => {
    const { rows } = await tx.query<{ id: number; phone: string; code_hash: string; attempts: number; expires_at: Date }>(sql`
      select id, phone, code_hash, attempts, expires_at from sms_optins
       where workspace_id = ${workspaceId} and contact_id = ${contactId} and confirmed_at is null
       order by id desc limit 1 for update`);
    const p = rows[0];
    if (!p || p.expires_at.getTime() <= now.getTime() || p.attempts >= MAX_TRIES) return 'expired' as const;
    const given = Buffer.from(hash(code.trim()));
    if (!timingSafeEqual(given, Buffer.from(p.code_hash))) {
      await tx.query(sql`update sms_optins set attempts = attempts + 1 where workspace_id = ${workspaceId} and id = ${p.id}`);
      return 'wrong' as const;
    }
    await tx.query(sql`update sms_optins set confirmed_at = ${now} where workspace_id = ${workspaceId} and id = ${p.id}`);
    return p;
  });
  if (typeof pending === 'string') return pending;
  const proof = { reason: 'typed back the code sent by SMS to the number', consented_at: now.toISOString(), source: `SMS invitation page, code sent to ${pending.phone}` };
  await updateContact(ctx, workspaceId, contactId, { phone: pending.phone, sms_status: 'opted_in' }, { source: 'form', ip, actor: `the contact, with the code sent to ${pending.phone}`, proof });
  return 'confirmed';
}
