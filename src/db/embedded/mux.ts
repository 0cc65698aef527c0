import net from 'node:net';

/**
 * Many PostgreSQL wire-protocol clients on one single-session backend (PGlite).
 *
 * Hand-written rather than @electric-sql/pglite-socket's multiplexer, which schedules single
 * protocol messages: two clients' extended-protocol messages (Parse, Bind, Execute, Sync) then
 * interleave and overwrite each other's unnamed statement, a client that disconnects mid-way
 * leaves the session in its state, and notifications reach whichever client committed them.
 * Here the unit is a client's whole request (up to Sync, Query or Flush); a client whose session
 * is not idle (an open transaction, or an extended-protocol exchange not yet synced) keeps the
 * backend until it is; LISTEN is kept per client and notifications are routed to the listeners.
 * Clients named `parcours-http…` (the API's pool) go before the others, so a request waits for at
 * most the unit that is running, not for the worker's queue, and for `graceMs` after each of their
 * units the session waits for their next one; a waiting background unit older than `agingMs`
 * goes first, so none starves.
 */
export interface Backend {
  /** Runs complete frontend messages; returns the backend's messages. One call at a time. */
  exec(messages: Uint8Array): Promise<Uint8Array>;
}

interface Unit {
  /** The client whose request this is; none for the mux's own work. */
  client?: Client;
  /** Frontend messages to run, or a function to run with the backend to itself. */
  bytes?: Buffer;
  run?: () => Promise<void>;
  /** What `run` does, for the slow log. */
  label?: string;
  high: boolean;
  at: number;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
/** Frontend messages that end a unit: Sync, Query, Flush, CopyDone, CopyFail. */
const UNIT_END = new Set(['S', 'Q', 'H', 'c', 'f']);
const LISTEN_RE = /^\s*(UN)?LISTEN\s+(?:"([^"]+)"|([A-Za-z_][\w$]*)|(\*))\s*;?\s*$/i;

class Client {
  buf: Buffer = Buffer.alloc(0);
  started = false;
  pending: Buffer[] = [];
  channels = new Set<string>();
  /** The backend's session is this client's until a ReadyForQuery says idle. */
  holding = false;
  /** While holding: since when, how many units, the first statement (for the slow log). */
  held = { since: 0, units: 0, first: '' };
  closed = false;
  constructor(readonly socket: net.Socket, public high = false) {}
}

export class ProtocolMux {
  private server = net.createServer((s) => this.accept(s));
  private clients = new Set<Client>();
  private queue: Unit[] = [];
  private running = false;
  private holder: Client | null = null;
  private listening = new Map<string, Set<Client>>();
  private startup?: Buffer;
  private stopped = false;
  private lastApiUnit = -Infinity;
  /** The last units run (for the slow log: what an API request that waited long waited for). */
  private recent: { start: number; ms: number; text: string }[] = [];
  /** Counted only once takeStats has been called (PARCOURS_PGLITE_STATS_MS): nothing grows otherwise. */
  private counts: MuxStats | null = null;

  constructor(
    private backend: Backend,
    private opts: { agingMs?: number; graceMs?: number; onFatal?: (err: unknown) => void; now?: () => number; slowMs?: number; onSlow?: (ms: number, sql: string) => void } = {},
  ) {}

  /** Opens the backend's session once; every client is then answered with its greeting. */
  async listen(path: string): Promise<void> {
    this.startup = Buffer.from(await this.backend.exec(startupMessage({ user: 'postgres', database: 'postgres' })));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  /** Stops accepting, waits for the running unit, closes every client. */
  async close(): Promise<void> {
    this.stopped = true;
    await new Promise<void>((r) => this.server.close(() => r()));
    while (this.running) await new Promise((r) => setTimeout(r, 5));
    for (const c of this.clients) c.socket.destroy();
  }

  /** How long since the API's pool last ran a unit (ms): how quiet the app is. */
  apiIdleMs(): number {
    return this.now() - this.lastApiUnit;
  }

  /** What ran since the last call (PARCOURS_PGLITE_STATS_MS): how long the API's units waited and ran, and the others. The first call starts the counting. */
  takeStats(): MuxStats {
    const s = this.counts ?? emptyStats();
    this.counts = emptyStats();
    return s;
  }

  /** Runs `fn` with the backend to itself, between clients' requests, as background work. */
  background<T>(fn: () => Promise<T>, label?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run: () => fn().then(resolve, reject), label, high: false, at: this.now() });
      this.pump();
    });
  }

  private now() {
    return this.opts.now ? this.opts.now() : performance.now();
  }

  private accept(socket: net.Socket) {
    if (this.stopped) return void socket.destroy();
    const client = new Client(socket);
    this.clients.add(client);
    socket.on('data', (d) => this.onData(client, d));
    socket.on('error', () => {});
    socket.on('close', () => this.drop(client));
  }

  private onData(client: Client, data: Buffer) {
    client.buf = client.buf.length ? Buffer.concat([client.buf, data]) : data;
    while (!client.closed) {
      if (!client.started) {
        if (client.buf.length < 8) return;
        const len = client.buf.readInt32BE(0);
        if (client.buf.length < len) return;
        const code = client.buf.readInt32BE(4);
        const body = client.buf.subarray(8, len);
        client.buf = client.buf.subarray(len);
        if (code === SSL_REQUEST || code === GSS_REQUEST) client.socket.write('N');
        else if (code === CANCEL_REQUEST) client.socket.destroy(); // no backend process to signal
        else if (code === PROTOCOL_3) {
          const params = startupParams(body);
          client.high = (params.application_name ?? '').startsWith('parcours-http');
          client.started = true;
          client.socket.write(this.startup!);
        } else return void client.socket.destroy();
        continue;
      }
      if (client.buf.length < 5) return;
      const len = client.buf.readInt32BE(1) + 1;
      if (client.buf.length < len) return;
      const msg = client.buf.subarray(0, len);
      client.buf = client.buf.subarray(len);
      const type = String.fromCharCode(msg[0]);
      if (type === 'X') return void client.socket.end();
      if (type === 'Q' && client.pending.length === 0 && this.listenCommand(client, msg)) continue;
      client.pending.push(Buffer.from(msg));
      if (UNIT_END.has(type)) {
        this.queue.push({ client, bytes: Buffer.concat(client.pending), high: client.high, at: this.now() });
        client.pending = [];
        this.pump();
      }
    }
  }

  /** LISTEN / UNLISTEN are kept per client; the session listens once for all of them. */
  private listenCommand(client: Client, msg: Buffer): boolean {
    const m = LISTEN_RE.exec(msg.subarray(5, msg.length - 1).toString('utf8'));
    if (!m) return false;
    const unlisten = !!m[1];
    const channel = m[2] ?? m[3];
    if (unlisten) {
      for (const ch of channel ? [channel] : [...client.channels]) {
        client.channels.delete(ch);
        this.listening.get(ch)?.delete(client);
      }
    } else if (channel) {
      client.channels.add(channel);
      let set = this.listening.get(channel);
      if (!set) {
        set = new Set();
        this.listening.set(channel, set);
        // the session itself must listen: queued like any unit, its answer dropped
        this.queue.push({ bytes: queryMessage(`LISTEN "${channel.replace(/"/g, '""')}"`), high: true, at: this.now() });
      }
      set.add(client);
    } else return false;
    const tag = unlisten ? 'UNLISTEN' : 'LISTEN';
    client.socket.write(Buffer.concat([commandComplete(tag), readyForQuery(client.holding ? 'T' : 'I')]));
    this.pump();
    return true;
  }

  /**
   * The holder's next unit; else the oldest from the API's pool; else, unless `apiFirst`, the
   * oldest of all. A background unit that waited longer than `agingMs` goes first regardless.
   */
  private next(apiFirst: boolean): Unit | undefined {
    if (this.holder) {
      const i = this.queue.findIndex((u) => u.client === this.holder);
      return i < 0 ? undefined : this.queue.splice(i, 1)[0];
    }
    if (this.queue.length === 0) return undefined;
    if (this.now() - this.queue[0].at > (this.opts.agingMs ?? 1000)) return this.queue.shift();
    const i = this.queue.findIndex((u) => u.high);
    if (i >= 0) return this.queue.splice(i, 1)[0];
    return apiFirst ? undefined : this.queue.shift();
  }

  private pump() {
    if (this.running) return;
    this.running = true;
    void (async () => {
      try {
        for (;;) {
          // a request of the API's pool usually sends its next statement right after this one's
          // answer: for a few ms the session waits for it rather than start a background unit
          const grace = (this.opts.graceMs ?? 10) - (this.now() - this.lastApiUnit);
          const unit = this.next(grace > 0);
          if (unit) {
            await this.run(unit);
            if (unit.high && unit.client) this.lastApiUnit = this.now();
            // PGlite runs a unit synchronously: requests that came meanwhile are still unread in
            // the sockets. Through the event loop's poll phase (two turns: from the poll phase one
            // setImmediate alone runs before the next poll) they are queued before the next pick,
            // so one that came during a long unit goes first instead of waiting behind the next.
            await new Promise((r) => setImmediate(r));
            await new Promise((r) => setImmediate(r));
          } else if (grace > 0 && this.queue.length > 0) await new Promise((r) => setTimeout(r, grace));
          else break;
        }
      } catch (err) {
        this.opts.onFatal?.(err);
      } finally {
        this.running = false;
      }
    })();
  }

  private async run(unit: Unit) {
    const started = this.now();
    const { client } = unit;
    if (unit.high && client && this.opts.onSlow && started - unit.at >= (this.opts.slowMs ?? Infinity)) this.waited(unit, started);
    if (unit.run) await unit.run();
    else {
      const out = Buffer.from(await this.backend.exec(unit.bytes!));
      const { forClient, notifications, status } = splitOutput(out);
      if (!client) {
        // the mux's own statement (LISTEN): its answer is nobody's
      } else if (status === 'I') {
        if (client.holding) this.heldEnd(client);
        client.holding = false;
        if (this.holder === client) this.holder = null;
      } else {
        // in a transaction, failed transaction, or mid-exchange (no ReadyForQuery yet)
        if (!client.holding) client.held = { since: started, units: 0, first: statementText(unit.bytes!) };
        client.held.units++;
        client.holding = true;
        this.holder = client;
      }
      if (client && !client.closed && forClient.length) client.socket.write(forClient);
      for (const n of notifications) this.notify(n);
      if (client?.closed && client.holding) await this.release(client);
    }
    const ms = this.now() - started;
    const c = this.counts;
    if (c && unit.high && client) {
      c.apiWaits.push(started - unit.at);
      c.apiMaxMs = Math.max(c.apiMaxMs, ms);
    } else if (c) {
      c.otherUnits++;
      c.otherMs += ms;
      if (ms > c.otherMaxMs) [c.otherMaxMs, c.otherMax] = [ms, unit.bytes ? statementText(unit.bytes).trim().slice(0, 80) : (unit.label ?? 'background work')];
    }
    if (this.opts.onSlow) {
      const text = unit.bytes ? statementText(unit.bytes) : (unit.label ?? 'background work');
      this.recent.push({ start: started, ms, text });
      if (this.recent.length > 64) this.recent.shift();
      if (ms >= (this.opts.slowMs ?? Infinity)) this.opts.onSlow(ms, text);
    }
  }

  /** An API request that waited longer than slowMs: logged with the units that ran meanwhile. */
  private waited(unit: Unit, started: number) {
    const during = this.recent.filter((r) => r.start + r.ms > unit.at);
    const longest = during.reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, text: '' });
    this.opts.onSlow!(started - unit.at, `an API request's wait, behind ${during.length} units (longest ${Math.round(longest.ms)} ms: ${longest.text.trim().slice(0, 80)})`);
  }

  /** A transaction that kept every other client waiting longer than slowMs is logged too. */
  private heldEnd(client: Client) {
    const ms = this.now() - client.held.since;
    const c = this.counts;
    if (c && ms > c.holdMaxMs) [c.holdMaxMs, c.holdMax] = [ms, `${client.held.units + 1} requests from ${client.held.first.trim().slice(0, 60)}`];
    if (this.opts.onSlow && ms >= (this.opts.slowMs ?? Infinity)) this.opts.onSlow(ms, `a transaction of ${client.held.units + 1} requests, from ${client.held.first}`);
  }

  private notify(n: Buffer) {
    // NotificationResponse: int32 pid, channel\0, payload\0
    const end = n.indexOf(0, 9);
    const channel = n.subarray(9, end).toString('utf8');
    for (const c of this.listening.get(channel) ?? []) if (!c.closed) c.socket.write(n);
  }

  /** A client gone while holding the session: end its exchange and roll its transaction back. */
  private async release(client: Client) {
    if (splitOutput(Buffer.from(await this.backend.exec(syncMessage()))).status !== 'I') await this.backend.exec(queryMessage('ROLLBACK'));
    client.holding = false;
    if (this.holder === client) this.holder = null;
  }

  private drop(client: Client) {
    if (client.closed) return;
    client.closed = true;
    this.clients.delete(client);
    for (const ch of client.channels) this.listening.get(ch)?.delete(client);
    this.queue = this.queue.filter((u) => u.client !== client);
    if (client.holding && this.holder === client) {
      // queued ahead of everyone: the holder is the only client the backend may serve
      this.queue.unshift({ run: () => this.release(client), high: true, at: this.now() });
      this.holder = null;
      this.pump();
    } else this.pump();
  }
}

export interface MuxStats {
  /** Each unit of the API's pool: how long it waited in the queue (ms). */
  apiWaits: number[];
  /** The longest API unit (ms). */
  apiMaxMs: number;
  /** The worker's units and background work: how many, how long in all, the longest and what it was. */
  otherUnits: number;
  otherMs: number;
  otherMaxMs: number;
  otherMax: string;
  /** The longest transaction (the session held across a client's requests), and what it began with. */
  holdMaxMs: number;
  holdMax: string;
}

const emptyStats = (): MuxStats => ({ apiWaits: [], apiMaxMs: 0, otherUnits: 0, otherMs: 0, otherMaxMs: 0, otherMax: '', holdMaxMs: 0, holdMax: '' });

/** Splits the backend's answer: notifications go to their listeners, the rest to the client. */
function splitOutput(out: Buffer): { forClient: Buffer; notifications: Buffer[]; status: string | null } {
  const notifications: Buffer[] = [];
  let status: string | null = null;
  let keepFrom = 0;
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 5 <= out.length) {
    const type = out[i];
    const len = out.readInt32BE(i + 1) + 1;
    if (type === 0x41 /* A */) {
      parts.push(out.subarray(keepFrom, i));
      notifications.push(Buffer.from(out.subarray(i, i + len)));
      keepFrom = i + len;
    }
    status = type === 0x5a /* Z */ ? String.fromCharCode(out[i + 5]) : null;
    i += len;
  }
  if (notifications.length === 0) return { forClient: out, notifications, status };
  parts.push(out.subarray(keepFrom));
  return { forClient: Buffer.concat(parts), notifications, status };
}

/** The SQL of a unit's Query or Parse message, for the slow-statement log. */
function statementText(bytes: Buffer): string {
  let i = 0;
  while (i + 5 <= bytes.length) {
    const type = String.fromCharCode(bytes[i]);
    const len = bytes.readInt32BE(i + 1) + 1;
    if (type === 'Q') return bytes.subarray(i + 5, i + len - 1).toString('utf8');
    if (type === 'P') {
      const nameEnd = bytes.indexOf(0, i + 5);
      return bytes.subarray(nameEnd + 1, bytes.indexOf(0, nameEnd + 1)).toString('utf8');
    }
    i += len;
  }
  return '';
}

function startupParams(body: Buffer): Record<string, string> {
  const parts = body.toString('utf8').split('\0');
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < parts.length; i += 2) if (parts[i]) out[parts[i]] = parts[i + 1];
  return out;
}

function startupMessage(params: Record<string, string>): Buffer {
  const body = Buffer.from(Object.entries(params).map(([k, v]) => `${k}\0${v}\0`).join('') + '\0');
  const head = Buffer.alloc(8);
  head.writeInt32BE(8 + body.length, 0);
  head.writeInt32BE(PROTOCOL_3, 4);
  return Buffer.concat([head, body]);
}

function typed(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

const cstring = (s: string) => Buffer.from(`${s}\0`);
const queryMessage = (text: string) => typed('Q', cstring(text));
const syncMessage = () => typed('S', Buffer.alloc(0));
const commandComplete = (tag: string) => typed('C', cstring(tag));
const readyForQuery = (status: string) => typed('Z', Buffer.from(status, 'latin1'));
