import type { Ctx } from '../context.ts';
import { inLanes, type DueSource } from '../queue/index.ts';
import { isConnectionError } from '../db/index.ts';
import { CompiledCache, pickLanguage, type MessageRow } from '../messages/index.ts';
import type { CompiledEmail, CompiledSms } from '../messages/render/index.ts';
import { isExpired, nextOpening, type Window } from './windows/index.ts';
import { claimDueDeliveries, markInDoubt, nextDeliveryDueAt, renewSendingLease } from './claim.ts';
import { composeEmail, composeSms, type DeliveryRow } from './compose.ts';
import { DomainLimiter } from './limiter.ts';
import { recordOutcomes, type Outcome } from './outcomes.ts';
import { loadSendContext } from './send-context.ts';
import type { Outgoing, SendResult, Transport } from './transports/index.ts';

/**
 * A sender's claim on its batch, renewed every quarter of it while the batch runs: a worker
 * that died is taken over within this time (issue 18), not after 5 minutes.
 */
export const DELIVERY_LEASE_MS = 20_000;

export interface SenderOptions {
  batch: number;
  leaseMs: number;
  domainConcurrency: number;
  /** Batches in flight at once in this process (default 1). */
  lanes?: number;
}

/**
 * The sender (M-2): claims due deliveries in batches, checks consent, deadline and window,
 * renders, hands them to the transport, and records every outcome in one transaction.
 */
export function deliverySource(ctx: Ctx, transports: { email: Transport; sms: Transport }, opts: SenderOptions): DueSource {
  const cache = new CompiledCache();
  const limiter = new DomainLimiter(opts.domainConcurrency);
  return {
    name: 'deliveries',
    nextDueAt: () => nextDeliveryDueAt(ctx.db, ctx.clock.now()),
    async runDue(now, stop) {
      const doubted = await markInDoubt(ctx.db, now);
      // one batch's claim and record (database) overlap another's render and send
      // a lane runs several batches per call: each takes the clock again (deadlines, windows, sent_at)
      const sent = await inLanes(opts.lanes ?? 1, async () => {
        const at = ctx.clock.now();
        const { batch, rows } = await claimDueDeliveries(ctx.db, at, opts.batch, opts.leaseMs);
        if (rows.length === 0) return 0;
        const beat = heartbeat(ctx, batch, opts.leaseMs);
        try {
          const outcomes = await processBatch(ctx, batch, rows, at, cache, transports, limiter, stop);
          await recordOutcomes(ctx, outcomes, at, { batch, end: true });
        } finally {
          clearInterval(beat);
        }
        return rows.length;
      }, 4, stop);
      return doubted + sent;
    },
  };
}

async function processBatch(
  ctx: Ctx,
  batch: number,
  rows: DeliveryRow[],
  now: Date,
  cache: CompiledCache,
  transports: { email: Transport; sms: Transport },
  limiter: DomainLimiter,
  stop?: AbortSignal,
): Promise<Outcome[]> {
  const sc = await loadSendContext(ctx.db, rows).catch(async (err) => {
    // the database went away before anything was sent: the rows go back to the queue now
    // rather than waiting out their lease to be reported in doubt (issue 9)
    if (isConnectionError(err)) await recordOutcomes(ctx, rows.map((d) => ({ d, kind: 'requeue', refund: true })), now, { batch, end: true });
    throw err;
  });
  const outcomes: Outcome[] = [];
  // A batch is rendered and handed over a slice at a time. Each slice is marked handed over in
  // the transaction that records the previous slice's outcomes (issue 18), so a worker killed
  // mid-batch leaves at most one slice per lane in doubt: the rest of the batch was never handed
  // over and goes back to the queue. Stored messages (outbox) go 100 at a time, so a batch's
  // messages (~12 KB each) never all live at once: alive across the young heap's collections,
  // they were copied there instead of dropped.
  const slice = transports.email.name.endsWith('outbox') ? LOCAL_SLICE : HANDOVER_SLICE;
  for (let at = 0; at < rows.length; at += slice) {
    if (stop?.aborted) {
      // the process stops (O-3): what was claimed but not handed over goes back to the queue now
      for (const d of rows.slice(at)) outcomes.push({ d, kind: 'requeue', refund: true });
      break;
    }
    const toSend: { d: DeliveryRow; out: Outgoing }[] = [];
    for (const d of rows.slice(at, at + slice)) {
      const contact = d.contact_id ? sc.contacts.get(`${d.workspace_id}:${d.contact_id}`) ?? null : null;
      const early = gate(d, contact, sc, now);
      if (early) {
        outcomes.push({ d, ...early });
        continue;
      }
      try {
        toSend.push({ d, out: compose(ctx, d, contact, sc, cache, now) });
      } catch (err) {
        outcomes.push({ d, kind: 'failed', error: `could not render: ${err instanceof Error ? err.message : String(err)}` });
      }
    }
    // rows are in claim order (positions 1…n): this slice ends at position at + its length
    if (toSend.length) await recordOutcomes(ctx, outcomes.splice(0), now, { batch, handedUpTo: Math.min(rows.length, at + slice) });
    const results = await sendAll(toSend, transports, limiter, stop);
    toSend.forEach(({ d }, i) => outcomes.push({ d, ...fromResult(results[i]) }));
  }
  return outcomes;
}

const LOCAL_SLICE = 100;
/**
 * Messages a lane hands to a relay at once: with two lanes, at most 40 deliveries are in doubt
 * after a kill (goal: 50). The relay's connections (8 by default) stay busy across both lanes.
 */
const HANDOVER_SLICE = 20;

/**
 * Renews the lease of a batch's deliveries while it runs, so that a short lease (a dead worker's
 * batch is taken over within seconds) never runs out under a live one.
 */
function heartbeat(ctx: Ctx, batch: number, leaseMs: number): NodeJS.Timeout {
  const t = setInterval(() => {
    renewSendingLease(ctx.db, batch, new Date(ctx.clock.now().getTime() + leaseMs)).catch(() => {});
  }, leaseMs / 4);
  t.unref();
  return t;
}

function compose(ctx: Ctx, d: DeliveryRow, contact: Record<string, any> | null, sc: SendContext, cache: CompiledCache, now: Date): Outgoing {
  const message = sc.messages.get(`${d.workspace_id}:${d.message_id}:${d.message_version}`)!;
  const lang = pickLanguage(Object.keys((message.content as any).languages ?? {}), d.language ?? contact?.language);
  const compiled = cache.get(d.workspace_id, message, lang);
  const ws = sc.workspaces.get(d.workspace_id)!;
  if (d.channel !== 'email') return composeSms(d, compiled as CompiledSms, contact, ws.vars, now);
  const from = senderFor(d, message, sc);
  return composeEmail(ctx, d, compiled as CompiledEmail, contact, ws.vars, from, sc.dkim.get(`${d.workspace_id}:${domainOf(from.from_email)}`));
}

type SendContext = Awaited<ReturnType<typeof loadSendContext>>;
type Gate = Omit<Outcome, 'd'> | null;

/** What happens before rendering: expired, suppressed, or outside its window. */
function gate(d: DeliveryRow, contact: Record<string, any> | null, sc: SendContext, now: Date): Gate {
  if (isExpired(now, d.deadline)) return { kind: 'expired' };
  if (d.contact_id && !contact) return { kind: 'skipped', error: 'the contact was deleted' };
  if (d.channel === 'sms' && contact && contact.sms_status !== 'opted_in') return { kind: 'suppressed', error: 'no SMS consent' };
  if (d.channel === 'email' && !d.transactional) {
    if (contact && contact.email_status !== 'subscribed') return { kind: 'suppressed', error: `email ${contact.email_status}` };
    if (sc.suppressed.has(`${d.workspace_id}:${d.to_address.toLowerCase()}`)) return { kind: 'suppressed', error: 'address on the suppression list' };
  }
  const w = d.options?.window as (Window & { timezone: string; fallback_timezone?: string }) | undefined;
  if (w) {
    const zone = w.timezone === 'contact' ? contact?.timezone ?? w.fallback_timezone ?? sc.workspaces.get(d.workspace_id)!.timezone : w.timezone;
    // a zone the window cannot resolve falls back to the workspace's rather than failing the send
    let open: Date;
    try {
      open = nextOpening({ ...w, timezone: zone }, now);
    } catch {
      open = nextOpening({ ...w, timezone: sc.workspaces.get(d.workspace_id)!.timezone }, now);
    }
    if (open.getTime() > now.getTime()) return { kind: 'requeue', at: open, refund: true };
  }
  return null;
}

/** The identity a delivery goes out from: its own override, the message's, or the workspace default. */
export function senderFor(d: DeliveryRow, message: MessageRow, sc: SendContext) {
  if (d.options?.from) return { from_name: d.options.from.name, from_email: d.options.from.email, reply_to: d.options.from.reply_to ?? null };
  const id = (message.content as any).sender_id as number | undefined;
  return (id && sc.senders.get(`${d.workspace_id}:${id}`)) || sc.defaultSender.get(d.workspace_id) || { from_name: 'Parcours', from_email: 'no-reply@parcours.local', reply_to: null };
}

const domainOf = (email: string) => email.split('@')[1]?.toLowerCase() ?? '';

async function sendAll(batch: { d: DeliveryRow; out: Outgoing }[], transports: { email: Transport; sms: Transport }, limiter: DomainLimiter, stop?: AbortSignal): Promise<SendResult[]> {
  const results = new Array<SendResult>(batch.length);
  const byTransport = new Map<Transport, number[]>();
  batch.forEach(({ out }, i) => {
    const t = out.channel === 'email' ? transports.email : transports.sms;
    byTransport.set(t, [...(byTransport.get(t) ?? []), i]);
  });
  await Promise.all(
    [...byTransport].map(async ([t, idx]) => {
      if (t.name.endsWith('outbox')) {
        // stored locally: one statement for the whole batch, no domain to protect
        const r = await t.send(idx.map((i) => batch[i].out));
        idx.forEach((i, k) => (results[i] = r[k]));
        return;
      }
      await Promise.all(idx.map(async (i) => {
        results[i] = (await limiter.run(batch[i].d.domain ?? '', async () => (stop?.aborted ? [{ status: 'not_sent' as const }] : t.send([batch[i].out], { stop }))))[0];
      }));
    }),
  );
  return results;
}

function fromResult(r: SendResult): Omit<Outcome, 'd'> {
  if (r.status === 'sent') return { kind: 'sent', providerId: r.providerId };
  if (r.status === 'not_sent') return { kind: 'requeue', refund: true };
  if (r.status === 'permanent') return { kind: 'failed', error: r.error };
  if (r.status === 'throttled') return { kind: 'throttled', error: r.error };
  if (r.status === 'unknown') return { kind: 'in_doubt', error: r.error };
  return { kind: 'retry', error: r.error };
}

