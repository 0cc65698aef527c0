import { sql } from '../db/index.ts';
import type { Ctx } from '../context.ts';
import { setConsent } from '../contacts/index.ts';

// Carrier-standard keywords (CTIA) and their French equivalents (M-6).
const STOP = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'ARRET', 'ARRÊT', 'DESABONNER', 'DÉSABONNER']);
const START = new Set(['START', 'YES', 'UNSTOP', 'OUI', 'DEMARRER', 'DÉMARRER']);

export function smsKeyword(body: string): 'opted_out' | 'opted_in' | null {
  const word = body.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
  if (STOP.has(word)) return 'opted_out';
  if (START.has(word)) return 'opted_in';
  return null;
}

/** STOP / START from a phone: every contact of the workspace with that number follows it. */
export async function inboundSms(ctx: Ctx, workspaceId: number, from: string, body: string) {
  const status = smsKeyword(body);
  if (!status) return { action: null, contacts: 0 };
  return ctx.db.tx(async (tx) => {
    const { rows } = await tx.query<{ id: number }>(sql`select id from contacts where workspace_id = ${workspaceId} and phone = ${from.replace(/[\s().-]/g, '')}`);
    const now = ctx.clock.now();
    const number = from.replace(/[\s().-]/g, '');
    // a START from the phone itself is its owner's consent (a STOP needs none)
    const proof = status === 'opted_in' ? { reason: `replied ${body.trim().slice(0, 20)} from the phone`, consented_at: now.toISOString(), source: `SMS from ${number}` } : null;
    for (const r of rows) await setConsent(tx, now, workspaceId, r.id, { channel: 'sms', status, source: 'sms_keyword', actor: `the phone ${number}`, proof, reason: proof?.reason ?? null });
    return { action: status, contacts: rows.length };
  });
}
