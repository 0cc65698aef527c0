import type { BounceReport } from './feedback.ts';

// Postmark bounce types (postmarkapp.com developer docs, "Bounce webhook"): which ones mean
// the address is gone, which ones are temporary; the rest (auto-responders …) are not bounces.
const HARD = new Set(['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated']);
const SOFT = new Set(['SoftBounce', 'Transient', 'DnsError', 'Blocked']);

/** The delivery a Postmark webhook is about, from the metadata we attached when sending. */
function deliveryOf(body: Record<string, unknown>, workspaceId: number): number | undefined {
  const meta = body.Metadata as Record<string, unknown> | undefined;
  const m = /^(\d+)-(\d+)$/.exec(String(meta?.['parcours-delivery'] ?? ''));
  return m && Number(m[1]) === workspaceId ? Number(m[2]) : undefined;
}

export function postmarkBounce(body: Record<string, unknown>, workspaceId: number): BounceReport | null {
  const deliveryId = deliveryOf(body, workspaceId);
  const email = typeof body.Email === 'string' ? body.Email : typeof body.Recipient === 'string' ? body.Recipient : undefined;
  if (!email && !deliveryId) return null;
  if (body.RecordType === 'Delivery') return { email, deliveryId, type: 'delivered' };
  const reason = [body.Description, body.Details].filter((x) => typeof x === 'string').join(' — ') || undefined;
  if (body.RecordType === 'SpamComplaint' || body.Type === 'SpamComplaint') return { email, deliveryId, type: 'complaint', reason };
  if (body.RecordType !== 'Bounce' || typeof body.Type !== 'string') return null;
  if (HARD.has(body.Type)) return { email, deliveryId, type: 'hard', reason };
  if (SOFT.has(body.Type)) return { email, deliveryId, type: 'soft', reason };
  return null;
}
