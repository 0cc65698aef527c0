import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectPglite, connectPostgres, schemaUrl, type Db } from '../src/db/index.ts';

/** A throwaway database for a bench: `--db pglite` (temp dir) or `--db postgres` (fresh schema). */
export async function benchDb(kind: string): Promise<{ db: Db; label: string; drop(): Promise<void>; url?: string }> {
  if (kind === 'postgres') {
    const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
    const schema = `bench_${randomBytes(4).toString('hex')}`;
    const admin = await connectPostgres(url, { max: 1 });
    await admin.query(`create schema ${schema}`);
    const db = await connectPostgres(url, { schema, max: 10 });
    return {
      db,
      label: 'PostgreSQL',
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
