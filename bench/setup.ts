import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectPglite, connectPostgres, schemaUrl, type Db } from '../src/db/index.ts';

/** A throwaway database for a bench: `--db pglite` (temp dir) or `--db postgres` (fresh schema). */
export interface BenchDb {
  db: Db;
  label: string;
  drop(): Promise<void>;
  url?: string;
  /** PostgreSQL: the application_name of this bench's connections (pgCpuSampler). */
  appName?: string;
  /** PGlite: the embedded database's own process. */
  dbPid?: number;
}

export async function benchDb(kind: string): Promise<BenchDb> {
  if (kind === 'postgres') {
    const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const admin = await connectPostgres(url, { max: 1 });
    await admin.query(`create schema ${schema}`);
    // the schema as application_name: pgCpuSampler finds this bench's server processes by it
    const db = await connectPostgres(withAppName(url, schema), { schema, max: 10 });
    return {
      db,
      label: 'PostgreSQL',
      appName: schema,
      // for worker processes of their own: the same schema through the connection's search_path
      url: schemaUrl(url, schema),
      async drop() {
        await db.close();
        // BENCH_KEEP=1 keeps the data to study the plans (psql: set search_path to the schema)
        if (process.env.BENCH_KEEP) console.log(`  kept schema ${schema}`);
        else await admin.query(`drop schema ${schema} cascade`);
        await admin.close();
      },
    };
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'parcours-bench-'));
  const db = await connectPglite(dir);
  return {
    db,
    label: 'PGlite',
    dbPid: db.embedded?.pid,
    async drop() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Samples RSS every 100 ms; returns the peak in MB when stopped. */
export function rssSampler() {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return () => {
    clearInterval(t);
    return Math.round(Math.max(peak, process.memoryUsage().rss) / 1e6);
  };
}

export function machine(): string {
  return `${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}

const withAppName = (url: string, name: string) => `${url}${url.includes('?') ? '&' : '?'}application_name=${name}`;

/** CPU seconds (user + system) a process has used so far, from /proc; null when it is gone. */
export function procCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return null;
  }
}

/**
 * CPU used by this bench's PostgreSQL backends (found by application_name, sampled every 250 ms,
 * so a backend that ends keeps what it used until its last sample): with this process's own
 * CPU it gives a cost per item that a loaded machine changes less than the wall-clock rate.
 * Only for a server on this machine; elsewhere it reads 0.
 */
export function pgCpuSampler(db: Db, appName: string) {
  const seen = new Map<number, { first: number; last: number }>();
  const sample = async () => {
    const { rows } = await db.query<{ pid: number }>(`select pid from pg_stat_activity where application_name = $1`, [appName]);
    for (const { pid } of rows) {
      const s = procCpuSeconds(pid);
      if (s === null) continue;
      const e = seen.get(pid);
      if (!e) seen.set(pid, { first: s, last: s });
      else e.last = s;
    }
  };
  const timer = setInterval(() => void sample().catch(() => {}), 250);
  let base = 0;
  const total = () => [...seen.values()].reduce((a, e) => a + e.last - e.first, 0);
  return {
    /** Starts counting from now (backends seen before keep their first reading as the base). */
    async start() {
      await sample();
      base = total();
    },
    /** Server CPU seconds since start(). */
    async stop() {
      await sample();
      clearInterval(timer);
      return total() - base;
    },
  };
}

/**
 * CPU for a stretch of a bench, this process's and the database's (PostgreSQL backends found by
 * application_name, or the embedded database's process): `const m = await cpuMeter(b); …work…;
 * const used = await m.stop(); console.log(perItem(used, n, 'event'))` prints "CPU per event: 85 µs
 * this process, 40 µs PostgreSQL". Figures per item move far less with the machine's load than rates.
 */
export async function cpuMeter(b: BenchDb) {
  const pg = b.appName ? pgCpuSampler(b.db, b.appName) : null;
  await pg?.start();
  const embedded0 = b.dbPid ? procCpuSeconds(b.dbPid) ?? 0 : 0;
  const cpu0 = process.cpuUsage();
  return {
    async stop(): Promise<CpuUsed> {
      const cpu = process.cpuUsage(cpu0);
      const dbSeconds = pg ? await pg.stop() : b.dbPid ? (procCpuSeconds(b.dbPid) ?? embedded0) - embedded0 : null;
      return { nodeUs: cpu.user + cpu.system, dbUs: dbSeconds === null ? null : dbSeconds * 1e6, dbLabel: b.label };
    },
  };
}

export interface CpuUsed {
  nodeUs: number;
  /** null: the database's CPU cannot be read here (a server on another machine). */
  dbUs: number | null;
  dbLabel: string;
}

export function perItem(used: CpuUsed, n: number, what: string): string {
  const us = (micro: number) => Math.round(micro / Math.max(1, n));
  const db = used.dbUs === null ? '' : `, ${us(used.dbUs)} µs ${used.dbLabel}`;
  return `CPU per ${what}: ${us(used.nodeUs)} µs this process${db}; load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`;
}
