import { sql, type Queryable } from '../db/index.ts';
import type { Clock } from '../clock.ts';
import { notFound } from '../errors.ts';
import { newSecret } from './signatures.ts';

export type ConnectionKind = 'shopify' | 'woocommerce' | 'generic';

export interface Connection {
  workspace_id: number;
  id: number;
  kind: ConnectionKind;
  name: string;
  secret: string;
}

const PATH: Record<ConnectionKind, string> = { shopify: 'shopify', woocommerce: 'woocommerce', generic: 'events' };

/** The URL to paste into the shop's webhook settings. */
export const webhookUrl = (publicUrl: string, kind: ConnectionKind, id: number) => `${publicUrl}/api/v1/integrations/${PATH[kind]}/${id}`;

/**
 * A shop or system allowed to post events. Shopify signs with a secret it shows (the app's
 * client secret, or the one under Settings → Notifications → Webhooks): give it. WooCommerce
 * and the generic shape take one we generate, returned once.
 */
export async function createConnection(q: Queryable, clock: Clock, publicUrl: string, workspaceId: number, input: { kind: ConnectionKind; name?: string; secret?: string }) {
  const secret = input.secret ?? newSecret('pcs');
  const { rows } = await q.query<{ id: number; kind: ConnectionKind; name: string; created_at: Date }>(sql`
    insert into integration_connections (workspace_id, kind, name, secret, created_at)
    values (${workspaceId}, ${input.kind}, ${input.name ?? input.kind}, ${secret}, ${clock.now()})
    returning id, kind, name, created_at`);
  const c = rows[0];
  return { ...c, webhook_url: webhookUrl(publicUrl, c.kind, c.id), secret };
}

export async function listConnections(q: Queryable, publicUrl: string, workspaceId: number) {
  const { rows } = await q.query<{ id: number; kind: ConnectionKind; name: string; created_at: Date; last_received_at: Date | null }>(sql`
    select id, kind, name, created_at, last_received_at from integration_connections where workspace_id = ${workspaceId} order by id`);
  return rows.map((c) => ({ ...c, webhook_url: webhookUrl(publicUrl, c.kind, c.id) }));
}

export async function getConnection(q: Queryable, publicUrl: string, workspaceId: number, id: number) {
  const { rows } = await q.query<{ id: number; kind: ConnectionKind; name: string; created_at: Date; last_received_at: Date | null }>(sql`
    select id, kind, name, created_at, last_received_at from integration_connections where workspace_id = ${workspaceId} and id = ${id}`);
  if (!rows[0]) throw notFound('connection');
  return { ...rows[0], webhook_url: webhookUrl(publicUrl, rows[0].kind, rows[0].id) };
}

export async function deleteConnection(q: Queryable, workspaceId: number, id: number) {
  const r = await q.query(sql`delete from integration_connections where workspace_id = ${workspaceId} and id = ${id}`);
  if (r.rowCount === 0) throw notFound('connection');
}

/** The connection a public webhook URL names; its signature, checked next, proves the sender. */
export async function connectionForWebhook(q: Queryable, id: number, kind: ConnectionKind): Promise<Connection> {
  const { rows } = await q.query<Connection>(sql`
    select workspace_id, id, kind, name, secret from integration_connections where id = ${id} and kind = ${kind}`);
  if (!rows[0]) throw notFound('connection');
  return rows[0];
}
