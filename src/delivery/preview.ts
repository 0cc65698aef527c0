import { sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { CompiledCache, compileMessage, pickLanguage, type MessageRow } from '../messages/index.ts';
import type { CompiledEmail, CompiledSms } from '../messages/render/index.ts';
import { composeEmail, composeSms, type DeliveryRow } from './compose.ts';
import { loadSendContext } from './send-context.ts';
import { senderFor } from './sender.ts';
import { domainOf } from './schedule.ts';

const cache = new CompiledCache(200);

/**
 * Renders a message for a contact exactly as the sender would (same context loading, same
 * composition), for previews, "view online" and resends. Nothing is sent or stored.
 */
export async function renderFor(ctx: Ctx, d: DeliveryRow, draft?: MessageRow) {
  const sc = await loadSendContext(ctx.db, [d]);
  const message = draft ?? (sc.messages.get(`${d.workspace_id}:${d.message_id}:${d.message_version}`) as MessageRow | undefined);
  if (!message) return null;
  const contact = d.contact_id ? sc.contacts.get(`${d.workspace_id}:${d.contact_id}`) ?? null : null;
  const lang = pickLanguage(Object.keys((message.content as any).languages ?? {}), d.language ?? contact?.language);
  // a draft (unsaved content) is compiled for this preview only: versions are cached, drafts are not
  const compiled = draft ? compileMessage(draft, lang) : cache.get(d.workspace_id, message, lang);
  const ws = sc.workspaces.get(d.workspace_id)!.vars;
  if (d.channel === 'sms') return { language: lang, ...composeSms(d, compiled as CompiledSms, contact, ws, ctx.clock.now()) };
  const sender = senderFor(d, message, sc);
  return { language: lang, ...composeEmail(ctx, d, compiled as CompiledEmail, contact, ws, sender) };
}

/** A delivery row for a preview: never stored, tracking off. */
export function previewRow(workspaceId: number, message: { id: number; version: number; channel: 'email' | 'sms' }, contact: { id: number; email?: string | null; phone?: string | null } | null, to?: string): DeliveryRow {
  const address = to ?? (message.channel === 'email' ? contact?.email : contact?.phone) ?? '';
  return {
    workspace_id: workspaceId, id: 0, contact_id: contact?.id ?? null, message_id: message.id, message_version: message.version,
    channel: message.channel, to_address: address, domain: domainOf(message.channel, address), language: null, source: 'test',
    campaign_id: null, journey_id: null, step_id: null, transactional: true, data: {}, options: {}, send_at: new Date(0), deadline: null, attempts: 0,
  };
}

/** "View online": the stored copy when the outbox kept one, else the message rendered again. */
export async function viewOnline(ctx: Ctx, workspaceId: number, deliveryId: number): Promise<string | null> {
  const stored = await ctx.db.query<{ html: string }>(sql`select html from outbox where workspace_id = ${workspaceId} and delivery_id = ${deliveryId} and html is not null limit 1`);
  if (stored.rows[0]) return stored.rows[0].html;
  const { rows } = await ctx.db.query<DeliveryRow>(sql`select * from deliveries where workspace_id = ${workspaceId} and id = ${deliveryId} and channel = 'email'`);
  if (!rows[0]) return null;
  const r = await renderFor(ctx, { ...rows[0], source: 'test' });
  return r && r.channel === 'email' ? r.html : null;
}
