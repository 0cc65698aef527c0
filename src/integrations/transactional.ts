import { randomUUID } from 'node:crypto';
import { sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { AppError, invalid } from '../errors.ts';
import { getContact, isEmail } from '../contacts/index.ts';
import { getMessage } from '../messages/index.ts';
import { scheduleDeliveries } from '../delivery/index.ts';
import { contactForPerson, contactIdByEmail, workspaceUniqueKey } from './contact-match.ts';

export interface TransactionalInput {
  message_id: number;
  to: { contact_id: number } | { email: string } | { phone: string };
  /** Available to the template as `data.*`. */
  data?: Record<string, unknown>;
  /** true (default): a receipt, a password reset… sent whatever the marketing consent. */
  transactional?: boolean;
  create_contact?: boolean;
  idempotencyKey?: string;
}

const E164 = /^\+[1-9]\d{6,14}$/;

async function contactByPhone(ctx: Ctx, ws: number, phone: string) {
  const { rows } = await ctx.db.query<{ id: number }>(sql`select id from contacts where workspace_id = ${ws} and phone = ${phone} order by id limit 1`);
  return rows[0]?.id ?? null;
}

/** The contact the send is for (created from an unknown email only when asked), or null for a bare address. */
async function recipient(ctx: Ctx, ws: number, input: TransactionalInput, channel: 'email' | 'sms'): Promise<{ contact: Record<string, any> | null; address: string | null }> {
  const to = input.to;
  if ('contact_id' in to) return { contact: await getContact(ctx.db, ws, to.contact_id), address: null };
  if ('email' in to) {
    const email = to.email.trim();
    if (!isEmail(email)) throw invalid('to.email', 'not a valid email address');
    if (channel !== 'email') throw invalid('to.email', 'the message is an SMS: give to.phone or to.contact_id');
    let id = await contactIdByEmail(ctx.db, ws, email);
    if (!id && input.create_contact) {
      if ((await workspaceUniqueKey(ctx.db, ws)) !== 'email') throw invalid('create_contact', "this workspace's contacts are keyed by a custom field: create the contact first");
      id = (await contactForPerson(ctx, ws, { email }))!.id;
    }
    return { contact: id ? await getContact(ctx.db, ws, id) : null, address: email };
  }
  const phone = to.phone.replace(/[\s().-]/g, '');
  if (!E164.test(phone)) throw invalid('to.phone', 'not an E.164 phone number (e.g. +33612345678)');
  if (channel !== 'sms') throw invalid('to.phone', 'the message is an email: give to.email or to.contact_id');
  if (input.create_contact) throw invalid('create_contact', 'a contact is created from an email address, not a phone number');
  const id = await contactByPhone(ctx, ws, phone);
  return { contact: id ? await getContact(ctx.db, ws, id) : null, address: phone };
}

/**
 * Sends one message to one contact or address now (P-1): a delivery with source
 * 'transactional', rendered with `data.*`. Transactional sends bypass marketing consent and the
 * suppression list; `transactional: false` follows the normal rules. The Idempotency-Key
 * becomes the delivery's key, so a retried or concurrent identical request makes one delivery.
 */
export async function sendTransactional(ctx: Ctx, ws: number, input: TransactionalInput) {
  const message = await getMessage(ctx.db, ws, input.message_id);
  const { contact, address } = await recipient(ctx, ws, input, message.channel);
  const to = address ?? (message.channel === 'email' ? contact?.email : contact?.phone);
  if (!to) throw invalid('to.contact_id', `the contact has no ${message.channel === 'email' ? 'email address' : 'phone number'}`);
  const key = `transactional:${input.idempotencyKey ? `key:${input.idempotencyKey}` : randomUUID()}`;
  const now = ctx.clock.now();
  const transactional = input.transactional ?? true;
  const [row] = await scheduleDeliveries(ctx.db, now, [{
    workspaceId: ws, idempotencyKey: key, contactId: contact?.id ?? null, messageId: message.id, messageVersion: message.version,
    channel: message.channel, to, language: contact?.language ?? null, source: 'transactional', transactional,
    data: input.data ?? {}, sendAt: now,
  }]);
  const { rows } = await ctx.db.query<{ id: number; status: string; contact_id: number | null; message_id: number }>(sql`
    select id, status, contact_id, message_id from deliveries where workspace_id = ${ws} and idempotency_key = ${key}`);
  const d = rows[0];
  if (!row && d.message_id !== message.id)
    throw new AppError('idempotency_mismatch', 'this Idempotency-Key was used for another send', [{ path: 'Idempotency-Key', message: 'reused with a different request' }]);
  return { delivery_id: d.id, status: d.status, contact_id: d.contact_id };
}
