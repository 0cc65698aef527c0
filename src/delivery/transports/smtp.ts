import nodemailer from 'nodemailer';
import type { Clock } from '../../clock.ts';
import type { Outgoing, SendResult, Transport } from './types.ts';
import { addressOnly, buildMime } from './mime.ts';

const DKIM_HEADERS = 'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type:Content-Transfer-Encoding:List-Id:List-Unsubscribe:List-Unsubscribe-Post';
const THROTTLE_CODES = new Set([421, 450, 451, 454]);

/** Maps a nodemailer error to a send result: 5xx permanent, throttling codes, the rest temporary. */
export function classifySmtpError(err: any): SendResult {
  const code: number | undefined = err?.responseCode;
  const error = String(err?.response ?? err?.message ?? err).slice(0, 500);
  if (code && THROTTLE_CODES.has(code)) return { status: 'throttled', error };
  if (code && code >= 500) return { status: 'permanent', error };
  return { status: 'temporary', error };
}

/** SMTP through nodemailer's pool (M-2); TLS as the URL says (smtps:// or STARTTLS). */
export function smtpTransport(url: string, opts: { maxConnections?: number; clock?: Clock } = {}): Transport {
  const maxConnections = opts.maxConnections ?? 8;
  const pool = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections,
    maxMessages: Infinity,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
  } as any);
  return {
    name: 'smtp',
    channel: 'email',
    async send(batch: Outgoing[]) {
      return Promise.all(
        batch.map(async (m): Promise<SendResult> => {
          if (m.channel !== 'email') return { status: 'permanent', error: 'the SMTP transport sends email only' };
          try {
            const info = await pool.sendMail({
              envelope: { from: addressOnly(m.from), to: [m.to] },
              raw: buildMime(m, opts.clock?.now() ?? new Date()),
              messageId: m.messageId,
              // RFC 8058 wants List-Unsubscribe-Post covered by the signature too
              dkim: m.dkim && { ...m.dkim, headerFieldNames: DKIM_HEADERS },
            } as any);
            return { status: 'sent', providerId: info.messageId };
          } catch (err) {
            return classifySmtpError(err);
          }
        }),
      );
    },
    async close() {
      pool.close();
    },
  };
}
