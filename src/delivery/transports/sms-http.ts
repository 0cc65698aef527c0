import type { Outgoing, SendResult, Transport } from './types.ts';

export interface SmsHttpConfig {
  url: string;
  accountSid?: string;
  authToken?: string;
  from?: string;
}

/**
 * A Twilio-compatible HTTP API (M-2, M-6): POST {url}/2010-04-01/Accounts/{sid}/Messages.json,
 * form-encoded To/From/Body with basic auth. 2xx sent; 429 and 5xx temporary; other 4xx permanent.
 */
export function smsHttpTransport(cfg: SmsHttpConfig): Transport {
  const base = cfg.url.replace(/\/$/, '');
  const endpoint = `${base}/2010-04-01/Accounts/${encodeURIComponent(cfg.accountSid ?? '')}/Messages.json`;
  const auth = cfg.accountSid ? `Basic ${Buffer.from(`${cfg.accountSid}:${cfg.authToken ?? ''}`).toString('base64')}` : undefined;
  const sendOne = async (m: Outgoing): Promise<SendResult> => {
    if (m.channel !== 'sms') return { status: 'permanent', error: 'the SMS transport sends SMS only' };
    const form = new URLSearchParams({ To: m.to, Body: m.body });
    const from = m.from ?? cfg.from;
    if (from) form.set('From', from);
    try {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) },
        body: form,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      if (res.ok) {
        let sid: string | undefined;
        try {
          sid = JSON.parse(text).sid;
        } catch {
          sid = undefined;
        }
        return { status: 'sent', providerId: sid };
      }
      const error = `HTTP ${res.status}: ${text.slice(0, 300)}`;
      return res.status === 429 || res.status >= 500 ? { status: 'temporary', error } : { status: 'permanent', error };
    } catch (err) {
      return { status: 'temporary', error: err instanceof Error ? err.message : String(err) };
    }
  };
  return {
    name: 'sms-http',
    channel: 'sms',
    send: (batch) => Promise.all(batch.map(sendOne)),
    async close() {},
  };
}
