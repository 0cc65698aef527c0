import { sql, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import { invalid, notFound } from '../errors.ts';
import { isEmail } from '../contacts/index.ts';
import { createPrivateKey } from 'node:crypto';

/** Sender identities (from name and address, reply-to) per workspace (M-1). */
export async function listSenders(q: Queryable, workspaceId: number) {
  const { rows } = await q.query(sql`select id, from_name, from_email, reply_to, created_at from sender_identities where workspace_id = ${workspaceId} order by id`);
  return rows;
}

function check(input: { from_email?: string; reply_to?: string | null }) {
  if (input.from_email !== undefined && !isEmail(input.from_email)) throw invalid('from_email', 'not a valid email address');
  if (input.reply_to && !isEmail(input.reply_to)) throw invalid('reply_to', 'not a valid email address');
}

export async function createSender(q: Queryable, clock: Clock, workspaceId: number, input: { from_name: string; from_email: string; reply_to?: string | null }) {
  check(input);
  const { rows } = await q.query(sql`
    insert into sender_identities (workspace_id, from_name, from_email, reply_to, created_at)
    values (${workspaceId}, ${input.from_name}, ${input.from_email}, ${input.reply_to ?? null}, ${clock.now()})
    returning id, from_name, from_email, reply_to, created_at`);
  return rows[0];
}

export async function updateSender(q: Queryable, workspaceId: number, id: number, input: { from_name?: string; from_email?: string; reply_to?: string | null }) {
  check(input);
  const { rows } = await q.query(sql`
    update sender_identities set from_name = coalesce(${input.from_name ?? null}, from_name), from_email = coalesce(${input.from_email ?? null}, from_email),
           reply_to = ${input.reply_to === undefined ? sql`reply_to` : sql`${input.reply_to}`}
     where workspace_id = ${workspaceId} and id = ${id} returning id, from_name, from_email, reply_to, created_at`);
  if (!rows[0]) throw notFound('sender identity');
  return rows[0];
}

export async function deleteSender(q: Queryable, workspaceId: number, id: number) {
  const r = await q.query(sql`delete from sender_identities where workspace_id = ${workspaceId} and id = ${id}`);
  if (r.rowCount === 0) throw notFound('sender identity');
}

/** A DKIM key per sending domain: messages from that domain are signed (M-1). */
export async function setDkimKey(q: Queryable, clock: Clock, workspaceId: number, input: { domain: string; selector: string; private_key: string }) {
  if (!/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(input.domain)) throw invalid('domain', 'not a domain name');
  if (!/^[a-z0-9._-]+$/i.test(input.selector)) throw invalid('selector', 'letters, digits, dot, dash and underscore');
  try {
    createPrivateKey(input.private_key);
  } catch {
    throw invalid('private_key', 'not a PEM private key');
  }
  await q.query(sql`
    insert into dkim_keys (workspace_id, domain, selector, private_key, created_at)
    values (${workspaceId}, ${input.domain.toLowerCase()}, ${input.selector}, ${input.private_key}, ${clock.now()})
    on conflict (workspace_id, domain) do update set selector = excluded.selector, private_key = excluded.private_key`);
  return { domain: input.domain.toLowerCase(), selector: input.selector };
}

export async function listDkimKeys(q: Queryable, workspaceId: number) {
  const { rows } = await q.query(sql`select domain, selector, created_at from dkim_keys where workspace_id = ${workspaceId} order by domain`);
  return rows;
}

export async function deleteDkimKey(q: Queryable, workspaceId: number, domain: string) {
  const r = await q.query(sql`delete from dkim_keys where workspace_id = ${workspaceId} and domain = ${domain.toLowerCase()}`);
  if (r.rowCount === 0) throw notFound('DKIM key');
}
