import type { BounceReport } from './feedback.ts';

// Postmark bounce types (postmarkapp.com developer docs, "Bounce webhook"): which ones mean
// the address is gone, which ones are temporary; the rest (auto-responders …) are not bounces.
const HARD = new Set(['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated']);
const SOFT = new Set(['SoftBounce', 'Transient', 'DnsError', 'Blocked']);

export function postmarkBounce(body: Record<string, unknown>): BounceReport | null {
  const email = typeof body.Email === 'string' ? body.Email : undefined;
  if (!email) return null;
  const reason = [body.Description, body.Details].filter((x) => typeof x === 'string').join(' — ') || undefined;
  if (body.RecordType === 'SpamComplaint' || body.Type === 'SpamComplaint') return { email, type: 'complaint', reason };
  if (body.RecordType !== 'Bounce' || typeof body.Type !== 'string') return null;
  if (HARD.has(body.Type)) return { email, type: 'hard', reason };
  if (SOFT.has(body.Type)) return { email, type: 'soft', reason };
  return null;
}
