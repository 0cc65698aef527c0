import http from 'node:http';
import https from 'node:https';
import type { Outgoing, SendResult, Transport } from './types.ts';

export interface SmsHttpConfig {
  url: string;
  accountSid?: string;
  authToken?: string;
  from?: string;
  /** The StatusCallback URL of a message: the provider posts its delivery status there. */
  statusCallback?: (m: { workspaceId: number; deliveryId: number }) => string;
  /** How long one request may take, connection and answer included (default 15 s). */
  timeoutMs?: number;
}

/** The provider's answer, or how far the request got when it failed. */
type Exchange = { status: number; text: string } | { error: string; written: boolean };

/**
 * One POST over a connection of its own (no keep-alive: a stale pooled socket that resets after
 * the request was written would look like a lost answer). `written` tells whether the whole
 * request reached the socket before the failure: before it (refused, DNS, TLS, connect timeout)
 * the provider cannot have the message; after it, it may.
 */
function post(url: URL, headers: Record<string, string>, body: string, timeoutMs: number): Promise<Exchange> {
  return new Promise((resolve) => {
    let finished = false;
    let connected = false;
    let done = false;
    const finish = (e: Exchange) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(e);
    };
    const tls = url.protocol === 'https:';
    const req = (tls ? https : http).request(url, {
      method: 'POST',
      agent: false,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      // the answer began (a status line came): a drop mid-body is still an answer we cannot read
      res.on('error', (err) => finish({ error: `the answer broke off: ${err.message}`, written: true }));
      res.on('aborted', () => finish({ error: 'the answer broke off', written: true }));
    });
    // sent = the whole request handed to a connected socket ('finish' alone may come while a
    // TLS socket still buffers it before the handshake)
    req.on('socket', (s) => s.once(tls ? 'secureConnect' : 'connect', () => (connected = true)));
    req.on('finish', () => (finished = true));
    req.on('error', (err) => finish({ error: err.message, written: finished && connected }));
    const timer = setTimeout(() => {
      finish({ error: `no answer within ${timeoutMs} ms`, written: finished && connected });
      req.destroy();
    }, timeoutMs);
    req.end(body);
  });
}

/**
 * A Twilio-compatible HTTP API (M-2, M-6): POST {url}/2010-04-01/Accounts/{sid}/Messages.json,
 * form-encoded To/From/Body (and StatusCallback) with basic auth. 2xx sent; 429 and 5xx
 * temporary; other 4xx permanent. No answer: a request that failed before it was fully sent
 * (connection refused, DNS, TLS) is temporary and retried; one sent but never answered (a
 * timeout, a dropped connection) may have been accepted: unknown, so the delivery ends in_doubt
 * and is never sent twice (as SMTP after DATA without an answer).
 */
export function smsHttpTransport(cfg: SmsHttpConfig): Transport {
  const base = cfg.url.replace(/\/$/, '');
  const endpoint = new URL(`${base}/2010-04-01/Accounts/${encodeURIComponent(cfg.accountSid ?? '')}/Messages.json`);
  const auth = cfg.accountSid ? `Basic ${Buffer.from(`${cfg.accountSid}:${cfg.authToken ?? ''}`).toString('base64')}` : undefined;
  const timeoutMs = cfg.timeoutMs ?? 15_000;
  const sendOne = async (m: Outgoing): Promise<SendResult> => {
    if (m.channel !== 'sms') return { status: 'permanent', error: 'the SMS transport sends SMS only' };
    const form = new URLSearchParams({ To: m.to, Body: m.body });
    const from = m.from ?? cfg.from;
    if (from) form.set('From', from);
    if (cfg.statusCallback) form.set('StatusCallback', cfg.statusCallback(m));
    const headers = { 'content-type': 'application/x-www-form-urlencoded', ...(auth ? { authorization: auth } : {}) };
    const res = await post(endpoint, headers, form.toString(), timeoutMs);
    if ('error' in res) {
      if (!res.written) return { status: 'temporary', error: `SMS provider unreachable: ${res.error}` };
      return { status: 'unknown', error: `no answer from the SMS provider after the request was sent (${res.error}): it may have accepted the message; not retried, to never send twice` };
    }
    if (res.status >= 200 && res.status < 300) {
      let sid: string | undefined;
      try {
        sid = JSON.parse(res.text).sid;
      } catch {
        sid = undefined;
      }
      return { status: 'sent', providerId: sid };
    }
    const error = `HTTP ${res.status}: ${res.text.slice(0, 300)}`;
    return res.status === 429 || res.status >= 500 ? { status: 'temporary', error } : { status: 'permanent', error };
  };
  return {
    name: 'sms-http',
    channel: 'sms',
    send: (batch) => Promise.all(batch.map(sendOne)),
    async close() {},
  };
}
