// the URL parser nodemailer itself uses (query options such as ?tls.rejectUnauthorized=false included)
import { parseConnectionUrl } from 'nodemailer/lib/shared/index.js';
import type { Clock } from '../../clock.ts';
import type { Outgoing, SendResult, Transport } from './types.ts';
import { addressOnly, buildMime } from './mime.ts';
import { NOT_SENT, SmtpPool, SmtpSendError } from './smtp-pool.ts';

const DKIM_HEADERS = 'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Id:List-Unsubscribe:List-Unsubscribe-Post';
const THROTTLE_CODES = new Set([421, 450, 451, 454]);

/**
 * Maps a failed transaction to a send result, by the server's answer and how far the session
 * got (issue 9): 5xx permanent, throttling codes throttled, other answers temporary. Without an
 * answer: no session (refused, unreachable, greeting, TLS, login) means the relay is down and
 * nothing was handed over: throttled, so the domain backs off without using up attempts; a
 * refused or dropped envelope retries; silence after the message was handed over means the server
 * may have accepted it (RFC 1047): unknown, i.e. in doubt, never resent blindly.
 */
export function classifySmtpError(err: unknown): SendResult {
  if (!(err instanceof SmtpSendError)) return { status: 'temporary', error: String(err) };
  const error = String(err.response ?? err.message).slice(0, 500);
  if (err.stage === 'connect') return { status: 'throttled', error: `relay unreachable: ${error}` };
  const code = err.responseCode;
  if (code && THROTTLE_CODES.has(code)) return { status: 'throttled', error };
  if (code && code >= 500) return { status: 'permanent', error };
  if (code || err.stage === 'envelope') return { status: 'temporary', error };
  return { status: 'unknown', error: `no answer from the SMTP server after the session began (${error}): it may have accepted the message; not retried, to never send twice` };
}

/** SMTP over a pool of reused sessions (M-2); TLS as the URL says (smtps:// or STARTTLS). */
export function smtpTransport(url: string, opts: { maxConnections?: number; clock?: Clock } = {}): Transport {
  // SMTP_URL's query string tunes the timeouts, e.g. smtp://relay:25/?socketTimeout=30000
  const query = new URL(url).searchParams;
  const tuned = (key: string, fallback: number) => Number(query.get(key)) || fallback;
  const parsed = parseConnectionUrl(url) as any;
  const pool = new SmtpPool({
    host: parsed.host ?? 'localhost',
    port: Number(parsed.port) || (parsed.secure ? 465 : 587),
    secure: !!parsed.secure,
    auth: parsed.auth?.user ? { user: parsed.auth.user, pass: parsed.auth.pass ?? '' } : undefined,
    tls: parsed.tls,
    requireTLS: parsed.requireTLS,
    ignoreTLS: parsed.ignoreTLS,
    name: parsed.name,
    maxConnections: opts.maxConnections ?? (Number(query.get('maxConnections')) || 8),
    connectionTimeout: tuned('connectionTimeout', 15_000),
    greetingTimeout: tuned('greetingTimeout', 15_000),
    socketTimeout: tuned('socketTimeout', 60_000),
  });
  return {
    name: 'smtp',
    channel: 'email',
    async send(batch: Outgoing[], sendOpts?: { stop?: AbortSignal }) {
      return Promise.all(
        batch.map(async (m): Promise<SendResult> => {
          if (m.channel !== 'email') return { status: 'permanent', error: 'the SMTP transport sends email only' };
          try {
            const raw = buildMime(m, opts.clock?.now() ?? new Date());
            // RFC 8058 wants List-Unsubscribe-Post covered by the signature too
            const answer = await pool.send({ from: addressOnly(m.from), to: m.to }, raw, m.dkim && { ...m.dkim, headerFieldNames: DKIM_HEADERS }, sendOpts?.stop);
            if (answer === NOT_SENT) return { status: 'not_sent' };
            return { status: 'sent', providerId: m.messageId };
          } catch (err) {
            return classifySmtpError(err);
          }
        }),
      );
    },
    async close() {
      await pool.close();
    },
  };
}
