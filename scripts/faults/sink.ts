// A real SMTP server whose behaviour a fault test or script changes on the fly (issue 9):
// refuse connections (not listening), answer 4xx at a given command, answer slowly, or accept.
// It keeps its own record of what it accepted, by the X-Parcours-Delivery header (one per
// delivery) and Message-ID, which is what "sent exactly once" is checked against.
//
// In process: `startFaultSink()`. As a separate process (the relay is another machine in real
// life): `node --import tsx scripts/faults/sink.ts` prints `port N`, then answers lines on stdin:
// `stats` → one JSON line { accepted, distinct, duplicates }, `dump PATH` → writes the record
// (delivery header → count) as JSON to PATH and prints `dumped`.
import { SMTPServer } from 'smtp-server';
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

export type SinkMode =
  | { kind: 'accept' }
  /** answers `code` to MAIL FROM, RCPT TO or the end of DATA (after the message was received) */
  | { kind: 'reject'; at: 'mail' | 'rcpt' | 'data'; code: number; message: string }
  /** accepts, but answers the end of DATA only after `delayMs(n)` (n: 0-based message number) */
  | { kind: 'slow'; delayMs: (n: number) => number };

export interface Accepted {
  delivery: string;
  messageId: string;
  to: string[];
  /** milliseconds the answer was held back (slow mode) */
  delayedMs: number;
}

export interface FaultSink {
  port: number;
  url: string;
  mode: SinkMode;
  /** every message accepted, in order (a message answered late is recorded when the server decided to accept it) */
  accepted: Accepted[];
  /** accepted copies per X-Parcours-Delivery header */
  counts: Map<string, number>;
  /** what the server answered other than 250 at the end of DATA, and 4xx at MAIL/RCPT */
  rejected: number;
  /** connections opened by clients while listening */
  connections: number;
  listening: boolean;
  /** stop listening and drop every open connection: clients now get ECONNREFUSED */
  down(): Promise<void>;
  /** listen again on the same port */
  up(): Promise<void>;
  close(): Promise<void>;
}

/** A free loopback port (listen on 0, close). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

const header = (head: string, name: string) => {
  const m = head.match(new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im'));
  return m ? m[1].replace(/\r?\n[ \t]+/g, ' ').trim() : '';
};

/** Starts listening unless `opts.listening` is false (then the port refuses until `up()`). */
export async function startFaultSink(opts: { port?: number; listening?: boolean; mode?: SinkMode } = {}): Promise<FaultSink> {
  const port = opts.port ?? (await freePort());
  let server: SMTPServer | undefined;
  const sockets = new Set<Socket>();
  let seq = 0;
  const err = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });
  const sink: FaultSink = {
    port,
    url: `smtp://127.0.0.1:${port}`,
    mode: opts.mode ?? { kind: 'accept' },
    accepted: [],
    counts: new Map(),
    rejected: 0,
    connections: 0,
    listening: false,
    async up() {
      if (server) return;
      const s = new SMTPServer({
        authOptional: true,
        disabledCommands: ['STARTTLS'],
        logger: false,
        size: 50 * 1024 * 1024,
        onConnect(session, cb) {
          sink.connections++;
          cb();
        },
        onMailFrom(_a, _s, cb) {
          const m = sink.mode;
          if (m.kind === 'reject' && m.at === 'mail') return sink.rejected++, cb(err(m.code, m.message));
          cb();
        },
        onRcptTo(_a, _s, cb) {
          const m = sink.mode;
          if (m.kind === 'reject' && m.at === 'rcpt') return sink.rejected++, cb(err(m.code, m.message));
          cb();
        },
        onData(stream, session, cb) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => {
            const m = sink.mode;
            if (m.kind === 'reject' && m.at === 'data') return sink.rejected++, cb(err(m.code, m.message));
            const raw = Buffer.concat(chunks).toString('utf8');
            const end = raw.search(/\r?\n\r?\n/);
            const head = end < 0 ? raw : raw.slice(0, end);
            const delayedMs = m.kind === 'slow' ? m.delayMs(seq++) : 0;
            // the decision to accept is taken now: a client that gives up waiting for the
            // answer has still handed the message over (RFC 1047's duplicate problem)
            const a: Accepted = { delivery: header(head, 'X-Parcours-Delivery'), messageId: header(head, 'Message-ID'), to: session.envelope.rcptTo.map((r) => r.address), delayedMs };
            sink.accepted.push(a);
            sink.counts.set(a.delivery, (sink.counts.get(a.delivery) ?? 0) + 1);
            if (delayedMs > 0) setTimeout(() => cb(), delayedMs);
            else cb();
          });
        },
      });
      // a client that hung up before a late answer makes the write fail: not a server crash
      s.on('error', () => {});
      s.server.on('connection', (sock: Socket) => {
        sockets.add(sock);
        sock.on('close', () => sockets.delete(sock));
      });
      await new Promise<void>((resolve, reject) => {
        s.server.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      server = s;
      sink.listening = true;
    },
    async down() {
      if (!server) return;
      const s = server;
      server = undefined;
      sink.listening = false;
      await new Promise<void>((resolve) => {
        s.server.close(() => resolve());
        for (const sock of sockets) sock.destroy();
      });
    },
    async close() {
      await sink.down();
    },
  };
  if (opts.listening !== false) await sink.up();
  return sink;
}

// As its own process: print the port, answer `stats` and `dump PATH` on stdin.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const port = process.env.SINK_PORT ? Number(process.env.SINK_PORT) : undefined;
  const sink = await startFaultSink({ port });
  console.log(`port ${sink.port}`);
  let buf = '';
  process.stdin.on('data', (c: Buffer) => {
    buf += c.toString();
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line === 'stats') {
        const duplicates = [...sink.counts].filter(([, n]) => n > 1).length;
        console.log(JSON.stringify({ accepted: sink.accepted.length, distinct: sink.counts.size, duplicates }));
      } else if (line.startsWith('dump ')) {
        writeFileSync(line.slice(5), JSON.stringify(Object.fromEntries(sink.counts)));
        console.log('dumped');
      }
    }
  });
  process.stdin.on('end', () => process.exit(0));
}
