import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface Sink {
  url: string;
  port: number;
  received: { raw: string; parsed: ParsedMail; to: string[] }[];
  /** Decides the answer to each RCPT TO; undefined accepts. */
  onRcpt?: (address: string) => { code: number; message: string } | undefined;
  close(): Promise<void>;
}

/**
 * A real SMTP server on loopback that records (and parses back) what it accepts; with `delayMs`
 * it answers each message that much later (a relay that takes its time).
 */
export async function startSmtpSink(opts: { delayMs?: number } = {}): Promise<Sink> {
  const sink: Sink = { url: '', port: 0, received: [], close: async () => {} };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const r = sink.onRcpt?.(address.address);
      if (r) {
        const err: any = new Error(r.message);
        err.responseCode = r.code;
        return cb(err);
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        sink.received.push({ raw, parsed: await simpleParser(raw), to: session.envelope.rcptTo.map((r) => r.address) });
        if (opts.delayMs) setTimeout(() => cb(), opts.delayMs);
        else cb();
      });
    },
  });
  // a client killed mid-session (the fault tests) resets its connection: not the sink's error
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  sink.close = () => new Promise((resolve) => server.close(() => resolve()));
  return sink;
}
