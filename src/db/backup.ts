import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import readline from 'node:readline';
import { createGunzip, createGzip } from 'node:zlib';
import { finished } from 'node:stream/promises';
import type { Db, Queryable } from './connect.ts';
import { appliedMigrations, applyMigrations, migrate } from './migrate.ts';

/**
 * Backup and restore (O-2), one format for both databases: gzip'd lines, a header, then each
 * table's rows as JSON (`row_to_json`), then a footer with every table's row count. Read in
 * one REPEATABLE READ transaction, so that it is consistent while the app runs and sends; on
 * PostgreSQL nobody waits for it, on the embedded database other work waits for its length.
 * Restored through the migrations named in the header, then the newer ones (an upgrade), so a
 * backup moves data from the embedded database to a PostgreSQL server and back.
 *
 * Our own format rather than pg_dump's: PGlite has no pg_restore, a pg_dump script restores
 * only with psql, and one code path through the `pg` driver serves both ways.
 */
export const BACKUP_FORMAT = 'parcours-backup';
const FETCH = 2000;

interface Header {
  format: typeof BACKUP_FORMAT;
  version: 1;
  created_at: string;
  source: Db['kind'];
  migrations: string[];
  /** Tables in an order that satisfies their foreign keys. */
  tables: string[];
  sequences: Record<string, number | null>;
}

export interface BackupSummary {
  file: string;
  tables: Record<string, number>;
  bytes: number;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The schema's tables, parents before the tables whose foreign keys point at them. */
async function tablesInOrder(q: Queryable): Promise<string[]> {
  const { rows: tables } = await q.query<{ name: string }>(`
    select c.relname as name from pg_class c
     where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p') and not c.relispartition
       and c.relname <> 'schema_migrations'
     order by c.relname`);
  const { rows: fks } = await q.query<{ child: string; parent: string }>(`
    select distinct k.relname as child, p.relname as parent from pg_constraint f
      join pg_class k on k.oid = f.conrelid join pg_class p on p.oid = f.confrelid
     where f.contype = 'f' and k.relnamespace = current_schema()::regnamespace and f.conrelid <> f.confrelid`);
  const parents = new Map<string, Set<string>>(tables.map((t) => [t.name, new Set()]));
  for (const f of fks) parents.get(f.child)?.add(f.parent);
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (t: string) => {
    if (seen.has(t)) return;
    seen.add(t);
    for (const p of parents.get(t) ?? []) visit(p);
    out.push(t);
  };
  for (const t of parents.keys()) visit(t);
  return out;
}

/** Writes a consistent backup of the database to `file`. */
export async function backup(db: Db, file: string): Promise<BackupSummary> {
  const gzip = createGzip({ level: 6 });
  const out = createWriteStream(file, { mode: 0o600 });
  gzip.pipe(out);
  const write = async (line: string) => {
    if (!gzip.write(line + '\n')) await once(gzip, 'drain');
  };
  const counts: Record<string, number> = {};
  await db.tx(async (tx) => {
    await tx.query('set transaction isolation level repeatable read, read only');
    const { rows: seqs } = await tx.query<{ name: string; last: number | null }>(`
      select sequencename as name, last_value as last from pg_sequences where schemaname = current_schema()`);
    const header: Header = {
      format: BACKUP_FORMAT,
      version: 1,
      created_at: new Date().toISOString(),
      source: db.kind,
      migrations: await appliedMigrations(tx),
      tables: await tablesInOrder(tx),
      sequences: Object.fromEntries(seqs.map((s) => [s.name, s.last])),
    };
    await write(`#${JSON.stringify(header)}`);
    for (const table of header.tables) {
      await write(`#${JSON.stringify({ table })}`);
      await tx.query(`declare backup_rows no scroll cursor for select row_to_json(t)::text as j from ${ident(table)} t`);
      let n = 0;
      for (;;) {
        const { rows } = await tx.query<{ j: string }>(`fetch ${FETCH} from backup_rows`);
        for (const r of rows) await write(r.j);
        n += rows.length;
        if (rows.length < FETCH) break;
      }
      await tx.query('close backup_rows');
      counts[table] = n;
    }
  });
  await write(`#${JSON.stringify({ end: true, tables: counts })}`);
  gzip.end();
  await finished(out);
  return { file, tables: counts, bytes: out.bytesWritten };
}

/** Rows in each table of the database (tests and the restore's report). */
export async function rowCounts(q: Queryable): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of await tablesInOrder(q)) out[t] = (await q.query<{ n: number }>(`select count(*)::int as n from ${ident(t)}`)).rows[0].n;
  return out;
}

/** Whether the database holds anything: a table with a row. */
export async function isEmpty(q: Queryable): Promise<boolean> {
  for (const t of await tablesInOrder(q)) if ((await q.query(`select 1 from ${ident(t)} limit 1`)).rows.length) return false;
  return true;
}

/** Drops every table, sequence, view and function of the current schema (restore --force). */
async function dropEverything(q: Queryable) {
  const { rows } = await q.query<{ kind: string; name: string }>(`
    select case c.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence' else 'table' end as kind, c.relname as name,
           case c.relkind when 'S' then 2 else 1 end as pass
      from pg_class c where c.relnamespace = current_schema()::regnamespace and c.relkind in ('r', 'p', 'v', 'm', 'S') and not c.relispartition
    union all
    select 'function', p.oid::regprocedure::text, 3 from pg_proc p where p.pronamespace = current_schema()::regnamespace
    -- tables first: they take their identity columns' sequences with them
    order by pass`);
  for (const r of rows) await q.query(`drop ${r.kind} if exists ${r.kind === 'function' ? r.name : ident(r.name)} cascade`);
}

export class RestoreRefused extends Error {}

/**
 * Restores `file` into the database, in one transaction: nothing is half-restored. Refuses a
 * database that holds anything unless `force` (which first drops everything in its schema),
 * and a backup made by a newer Parcours (a migration this one does not have). Returns the row
 * counts, checked against the backup's own.
 */
export async function restore(db: Db, file: string, opts: { force?: boolean } = {}): Promise<{ tables: Record<string, number>; upgraded: string[] }> {
  const lines = readline.createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity })[Symbol.asyncIterator]();
  const first = await lines.next();
  let header: Header;
  try {
    header = JSON.parse(String(first.value).slice(1));
  } catch {
    throw new RestoreRefused(`${file} is not a Parcours backup`);
  }
  if (first.done || header.format !== BACKUP_FORMAT) throw new RestoreRefused(`${file} is not a Parcours backup`);
  const tables = await db.tx(async (tx) => {
    if (!(await isEmpty(tx))) {
      if (!opts.force) throw new RestoreRefused('the target database is not empty: restore into a new one, or pass --force to replace what it holds');
      await dropEverything(tx);
    }
    await applyMigrations(tx, header.migrations); // the schema the backup was taken with
    // rows the migrations seed (cursors, defaults) are the backup's to give
    const all = await tablesInOrder(tx);
    if (all.length) await tx.query(`truncate ${all.map(ident).join(', ')}`);
    const counts: Record<string, number> = {};
    let table: string | null = null;
    let columns = '';
    let batch: string[] = [];
    const flush = async () => {
      if (!table || batch.length === 0) return;
      await tx.query(`insert into ${ident(table)} (${columns}) overriding system value select ${columns} from json_populate_recordset(null::${ident(table)}, $1::json)`, [`[${batch.join(',')}]`]);
      counts[table] += batch.length;
      batch = [];
    };
    for (let next = await lines.next(); !next.done; next = await lines.next()) {
      const line = next.value as string;
      if (!line.startsWith('#')) {
        batch.push(line);
        if (batch.length >= FETCH) await flush();
        continue;
      }
      await flush();
      const meta = JSON.parse(line.slice(1)) as { table?: string; end?: boolean; tables?: Record<string, number> };
      if (meta.table) {
        table = meta.table;
        counts[table] = 0;
        const { rows } = await tx.query<{ name: string }>(`
          select attname as name from pg_attribute
           where attrelid = $1::regclass and attnum > 0 and not attisdropped and attgenerated = '' order by attnum`, [ident(table)]);
        columns = rows.map((r) => ident(r.name)).join(', ');
      } else if (meta.end) {
        for (const [t, n] of Object.entries(meta.tables ?? {}))
          if (counts[t] !== n) throw new Error(`the backup is damaged: ${t} has ${counts[t] ?? 0} rows of ${n}`);
        for (const [seq, last] of Object.entries(header.sequences)) if (last !== null) await tx.query('select setval($1::regclass, $2)', [ident(seq), last]);
        return counts;
      }
    }
    throw new Error('the backup is cut short: its last line is missing');
  });
  // then the migrations this version has and the backup's did not (an upgrade)
  const upgraded = await migrate(db);
  return { tables, upgraded };
}
