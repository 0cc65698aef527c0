import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db, Queryable } from './connect.ts';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
const LOCK_ID = 7261_0001;

/** Applies forward-only SQL files in name order, once each, under an advisory lock. */
export async function migrate(db: Db): Promise<string[]> {
  return db.tx((tx) => applyMigrations(tx));
}

/** The migrations this database has had. */
export async function appliedMigrations(q: Queryable): Promise<string[]> {
  const { rows: exists } = await q.query<{ ok: boolean }>(`select to_regclass('schema_migrations') is not null as ok`);
  if (!exists[0].ok) return [];
  const { rows } = await q.query<{ name: string }>('select name from schema_migrations order by name');
  return rows.map((r) => r.name);
}

/** The migrations of this version that the database has not had yet (readiness: none). */
export async function pendingMigrations(q: Queryable): Promise<string[]> {
  const done = new Set(await appliedMigrations(q));
  return (await readdir(dir)).filter((f) => f.endsWith('.sql') && !done.has(f)).sort();
}

/**
 * In the caller's transaction: applies the migrations not applied yet, all of them or only
 * those named in `only` (a restore rebuilds the schema its backup was taken with). Refuses a
 * name this version does not have.
 */
export async function applyMigrations(tx: Queryable, only?: string[]): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const unknown = (only ?? []).filter((n) => !files.includes(n));
  if (unknown.length) throw new Error(`made by a newer version of Parcours (migrations ${unknown.join(', ')} are unknown here): upgrade Parcours first`);
  await tx.query('select pg_advisory_xact_lock($1)', [LOCK_ID]);
  await tx.query('create table if not exists schema_migrations (name text primary key, applied_at timestamptz not null default now())');
  const done = new Set((await tx.query<{ name: string }>('select name from schema_migrations')).rows.map((r) => r.name));
  const applied: string[] = [];
  for (const f of files) {
    if (done.has(f) || (only && !only.includes(f))) continue;
    await tx.query(await readFile(path.join(dir, f), 'utf8'));
    await tx.query('insert into schema_migrations (name) values ($1)', [f]);
    applied.push(f);
  }
  return applied;
}
