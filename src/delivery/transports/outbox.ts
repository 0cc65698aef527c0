import { sql, type Queryable } from '../../db/index.ts';
import type { Clock } from '../../clock.ts';
import type { Outgoing, SendResult, Transport } from './types.ts';

/**
 * The embedded default (M-2): messages are stored and shown in the UI, nothing leaves the
 * machine. One INSERT per batch.
 */
export function outboxTransport(db: Queryable, clock: Clock, channel: 'email' | 'sms'): Transport {
  return {
    name: `${channel}-outbox`,
    channel,
    async send(batch: Outgoing[]): Promise<SendResult[]> {
      if (batch.length === 0) return [];
      const email = (m: Outgoing) => (m.channel === 'email' ? m : undefined);
      const { rows } = await db.query<{ id: number }>(sql`
        insert into outbox (workspace_id, delivery_id, channel, to_address, from_address, subject, html, text, headers, created_at)
        select * from unnest(${batch.map((m) => m.workspaceId)}::bigint[], ${batch.map((m) => m.deliveryId)}::bigint[],
                             ${batch.map((m) => m.channel)}::text[], ${batch.map((m) => m.to)}::text[],
                             ${batch.map((m) => email(m)?.from ?? (m.channel === 'sms' ? m.from ?? null : null))}::text[],
                             ${batch.map((m) => email(m)?.subject ?? null)}::text[], ${batch.map((m) => email(m)?.html ?? null)}::text[],
                             ${batch.map((m) => (m.channel === 'email' ? m.text : m.body))}::text[],
                             ${batch.map((m) => JSON.stringify(email(m)?.headers ?? {}))}::jsonb[],
                             ${batch.map(() => clock.now())}::timestamptz[])
        returning id`);
      return rows.map((r) => ({ status: 'sent' as const, providerId: `outbox:${r.id}` }));
    },
    async close() {},
  };
}

export async function listOutbox(q: Queryable, workspaceId: number, opts: { limit: number; before?: number; to?: string }) {
  const { rows } = await q.query(sql`
    select id, delivery_id, channel, to_address, from_address, subject, created_at from outbox
     where workspace_id = ${workspaceId}
       ${opts.before ? sql`and id < ${opts.before}` : sql``}
       ${opts.to ? sql`and lower(to_address) = lower(${opts.to})` : sql``}
     order by id desc limit ${opts.limit}`);
  return rows;
}

export async function getOutboxMessage(q: Queryable, workspaceId: number, id: number) {
  const { rows } = await q.query(sql`select * from outbox where workspace_id = ${workspaceId} and id = ${id}`);
  return rows[0];
}
