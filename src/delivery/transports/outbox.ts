import { sql, type Queryable } from '../../db/index.ts';
import type { Clock } from '../../clock.ts';
import type { Outgoing, SendResult, Transport } from './types.ts';

/**
 * The embedded default (M-2): messages are stored and shown in the UI, nothing leaves the
 * machine. One INSERT per batch (of up to 1,000 messages).
 */
export function outboxTransport(db: Queryable, clock: Clock, channel: 'email' | 'sms'): Transport {
  return {
    name: `${channel}-outbox`,
    channel,
    async send(batch: Outgoing[]): Promise<SendResult[]> {
      const results: SendResult[] = [];
      for (let i = 0; i < batch.length; i += CHUNK) {
        const { rows } = await db.query<{ id: number }>(insertRows(batch.slice(i, i + CHUNK), clock.now()));
        for (const r of rows) results.push({ status: 'sent', providerId: `outbox:${r.id}` });
      }
      return results;
    },
    async close() {},
  };
}

// Rows per statement: 10 parameters each, well under PostgreSQL's 65,535.
const CHUNK = 1000;

/**
 * One multi-row VALUES: each message's parts are parameters of their own, sent as they are. An
 * unnest of text[] would be one array literal, every quote of ~15 KB of HTML escaped in JS and
 * parsed again by the server: that cost more than rendering the message.
 */
function insertRows(batch: Outgoing[], now: Date) {
  const rows = batch.map((m) => {
    const email = m.channel === 'email' ? m : undefined;
    // the two big parts go as UTF-8 bytes (binary parameters, read as text): the driver would
    // otherwise measure each string and then encode it, two passes over ~12 KB
    return sql`(${m.workspaceId}, ${m.deliveryId}, ${m.channel}, ${m.to}, ${email?.from ?? (m.channel === 'sms' ? m.from ?? null : null)},
                ${email?.subject ?? null}, ${email ? Buffer.from(email.html) : null}, ${Buffer.from(m.channel === 'email' ? m.text : m.body)},
                ${JSON.stringify(email?.headers ?? {})}, ${now})`;
  });
  // VALUES rows are inserted, and their ids returned, in the order given
  return sql`insert into outbox (workspace_id, delivery_id, channel, to_address, from_address, subject, html, text, headers, created_at)
             values ${sql.join(rows)} returning id`;
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
