import { sql, type Queryable } from '../db/index.ts';
import type { MessageRow } from '../messages/index.ts';
import type { DeliveryRow, Sender } from './compose.ts';

/** Everything a batch needs to render, in one query per table: no per-delivery lookups. */
export async function loadSendContext(q: Queryable, rows: DeliveryRow[]) {
  const ws = [...new Set(rows.map((r) => r.workspace_id))];
  const contactRefs = rows.filter((r) => r.contact_id);
  // a batch is mostly one message: its content (jsonb, often 10 KB) is fetched once, not per row
  const versions = [...new Map(rows.map((r) => [`${r.workspace_id}:${r.message_id}:${r.message_version}`, r])).values()];
  const [contacts, workspaces, messages, senders, dkim, suppressed] = await Promise.all([
    q.query<any>(sql`
      select c.workspace_id, c.id, c.key, c.email, c.phone, c.first_name, c.last_name, c.language, c.timezone, to_char(c.birthday, 'YYYY-MM-DD') as birthday,
             c.fields, c.email_status, c.sms_status, c.created_at
        from contacts c join unnest(${contactRefs.map((r) => r.workspace_id)}::bigint[], ${contactRefs.map((r) => r.contact_id)}::bigint[]) u(w, id)
          on c.workspace_id = u.w and c.id = u.id`),
    q.query<any>(sql`select id, name, timezone, settings from workspaces where id = any(${ws}::bigint[])`),
    q.query<MessageRow & { workspace_id: number }>(sql`
      select m.workspace_id, m.id, m.name, m.channel, v.version, v.content, m.created_at, m.updated_at
        from unnest(${versions.map((r) => r.workspace_id)}::bigint[], ${versions.map((r) => r.message_id)}::bigint[], ${versions.map((r) => r.message_version)}::int[]) u(w, mid, ver)
        join messages m on m.workspace_id = u.w and m.id = u.mid
        join message_versions v on v.workspace_id = u.w and v.message_id = u.mid and v.version = u.ver`),
    q.query<Sender & { workspace_id: number; id: number }>(sql`
      select workspace_id, id, from_name, from_email, reply_to from sender_identities where workspace_id = any(${ws}::bigint[]) order by id`),
    q.query<{ workspace_id: number; domain: string; selector: string; private_key: string }>(sql`
      select workspace_id, domain, selector, private_key from dkim_keys where workspace_id = any(${ws}::bigint[])`),
    q.query<{ workspace_id: number; address: string }>(sql`
      select s.workspace_id, s.address from suppressions s
        join unnest(${rows.map((r) => r.workspace_id)}::bigint[], ${rows.map((r) => r.to_address.toLowerCase())}::text[]) u(w, a)
          on s.workspace_id = u.w and s.address = u.a`),
  ]);
  const defaultSender = new Map<number, Sender>();
  for (const s of senders.rows) if (!defaultSender.has(s.workspace_id)) defaultSender.set(s.workspace_id, s);
  return {
    contacts: new Map(contacts.rows.map((c) => [`${c.workspace_id}:${c.id}`, c])),
    workspaces: new Map(
      workspaces.rows.map((w) => [w.id, { timezone: w.timezone as string, vars: { id: w.id, name: w.name, ...(w.settings?.profile ?? {}) } }]),
    ),
    messages: new Map(messages.rows.map((m) => [`${m.workspace_id}:${m.id}:${m.version}`, m])),
    senders: new Map(senders.rows.map((s) => [`${s.workspace_id}:${s.id}`, s])),
    defaultSender,
    dkim: new Map(dkim.rows.map((k) => [`${k.workspace_id}:${k.domain}`, { domainName: k.domain, keySelector: k.selector, privateKey: k.private_key }])),
    suppressed: new Set(suppressed.rows.map((s) => `${s.workspace_id}:${s.address}`)),
  };
}
