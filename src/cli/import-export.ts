import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { finished, pipeline } from 'node:stream/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../config.ts';
import { SystemClock } from '../clock.ts';
import { createApp, type App } from '../app.ts';
import { ensureFirstWorkspace } from '../bootstrap.ts';
import { getWorkspace } from '../accounts/index.ts';
import { AppError } from '../errors.ts';
import { createList, findListByName } from '../contacts/index.ts';
import { exportColumns, exportListCsv } from '../contacts/export.ts';
import { createImport, getImport, listImportErrors, storeUpload } from '../contacts/import/index.ts';

/** The CLI reads local files, so it is not held to the API's 200 MB upload limit. */
const CLI_MAX_BYTES = 4 * 1024 ** 3;
const SHOWN_ERRORS = 100;

const collect = (v: string, all: string[]) => [...all, v];

/** An AppError's details are what the operator needs to fix the command: show them all. */
function explain(err: unknown): Error {
  if (!(err instanceof AppError) || err.details.length === 0) return err instanceof Error ? err : new Error(String(err));
  const lines = err.details.map((d) => `${d.path}: ${d.message}`);
  return new Error((lines.includes(err.message) ? lines : [err.message, ...lines]).join('\n'));
}

async function withApp<T>(command: string, fn: (app: App) => Promise<T>): Promise<T> {
  // beside a running `parcours start`, its embedded database is used: what is written here is
  // visible to it at once, and the data directory keeps one owner
  const app = await createApp({ config: loadConfig(), clock: new SystemClock(), open: { join: true, command: `parcours ${command}` } });
  try {
    return await fn(app);
  } catch (err) {
    throw explain(err);
  } finally {
    await app.close();
  }
}

/** --workspace, else the first workspace (created on an empty database, its login shown once). */
async function workspaceOf(app: App, id?: string): Promise<number> {
  if (id) return (await getWorkspace(app.ctx.db, Number(id))).id;
  const first = await ensureFirstWorkspace(app.ctx.db, app.ctx.clock);
  if (first.created) console.error(`created workspace ${first.workspace.id}: log in as ${first.email} with password ${first.password}`);
  return first.workspace.id;
}

/** Own keys only (Object.fromEntries): a column may be named __proto__ or constructor. */
function parseMap(entries: string[]): Record<string, string> {
  return Object.fromEntries(
    entries.map((e) => {
      const at = e.lastIndexOf('=');
      if (at <= 0) throw new Error(`--map ${JSON.stringify(e)}: expected "CSV column=field"`);
      return [e.slice(0, at), e.slice(at + 1)];
    }),
  );
}

const DELIMITER_CHOICES = ['auto', 'comma', 'semicolon', 'tab'] as const;
function parseDelimiter(v: string): (typeof DELIMITER_CHOICES)[number] {
  const d = DELIMITER_CHOICES.find((c) => c === v);
  if (!d) throw new Error(`--delimiter ${JSON.stringify(v)}: use one of ${DELIMITER_CHOICES.join(', ')}`);
  return d;
}

interface ImportOptions {
  list: string;
  map: string[];
  tag: string[];
  workspace?: string;
  update: boolean;
  delimiter: string;
}

/**
 * Imports through the same path as the API: store the file, create the import (which queues
 * its job), then run queued jobs in this process until the import ends. When a worker process
 * shares the database it may take the job instead; this command then just follows it.
 */
async function importFile(file: string, o: ImportOptions) {
  await withApp('import', async (app) => {
    const { db, clock } = app.ctx;
    const ws = await workspaceOf(app, o.workspace);
    const size = statSync(file).size;
    const bar = new cliProgress.SingleBar({ format: '{phase} [{bar}] {percentage}% | {rows} rows | {duration_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic);
    bar.start(size, 0, { phase: 'reading  ', rows: 0 });
    let read = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        read += chunk.length;
        bar.update(read);
        done(null, chunk);
      },
    });
    const source = createReadStream(file).on('error', (err) => counter.destroy(err));
    const delimiter = parseDelimiter(o.delimiter);
    const upload = await storeUpload(db, clock, ws, source.pipe(counter), { filename: path.basename(file), maxBytes: CLI_MAX_BYTES, delimiter });
    const listId = (await findListByName(db, ws, o.list)) ?? ((await createList(db, clock, ws, { name: o.list })) as { id: number }).id;
    const mapping = { ...upload.suggested_mapping, ...parseMap(o.map) };
    const imp = (await createImport(app.ctx, ws, { upload_id: upload.upload_id, mapping, list_ids: [listId], tags: o.tag, update_existing: o.update })) as { id: number };
    bar.update(size);
    bar.update(0, { phase: 'importing', rows: 0 });
    let state: Record<string, any> = {};
    const poll = async () => {
      state = await getImport(db, ws, imp.id);
      bar.update(Number(state.bytes_done), { rows: state.rows_done });
    };
    const timer = setInterval(() => void poll().catch(() => {}), 250);
    // only queued jobs run here; automation reacting to the new events runs in `parcours start` or a worker
    const jobs = app.sources.find((s) => s.name === 'jobs')!;
    try {
      for (;;) {
        while ((await jobs.runDue(clock.now())) > 0);
        await poll();
        if (state.status === 'done' || state.status === 'failed') break;
        await new Promise((r) => setTimeout(r, 500)); // a retry waits for its backoff
      }
    } finally {
      clearInterval(timer);
      bar.stop();
    }
    console.log(`separator: ${upload.delimiter}${delimiter === 'auto' ? ' (guessed from the header line; --delimiter to choose)' : ''}`);
    console.log(`mapping: ${Object.entries(mapping).map(([c, f]) => `${c} → ${f}`).join(', ')}`);
    console.log(`import ${imp.id} ${state.status}: ${state.rows_done} rows, created ${state.created}, updated ${state.updated}, unchanged ${state.unchanged}, skipped ${state.skipped}, ${state.error_count} lines with errors`);
    if (state.status === 'failed') throw new Error(`import failed: ${state.error}`);
    await printErrors(app, ws, imp.id, Number(state.error_count));
  });
}

async function printErrors(app: App, ws: number, importId: number, lines: number) {
  if (lines === 0) return;
  const { data } = await listImportErrors(app.ctx.db, ws, importId, SHOWN_ERRORS);
  console.log('rejected lines (line 1 is the header):');
  for (const e of data as { line: number; column?: string; reason: string }[]) console.log(`  line ${e.line}${e.column ? ` [${e.column}]` : ''}: ${e.reason}`);
  if (data.length === SHOWN_ERRORS) console.log(`  … see all with GET /api/v1/imports/${importId}/errors`);
}

async function exportList(o: { list: string; fields?: string; out?: string; workspace?: string }) {
  await withApp('export', async (app) => {
    const { db } = app.ctx;
    const ws = await workspaceOf(app, o.workspace);
    const listId = await findListByName(db, ws, o.list);
    if (!listId) throw new Error(`no list named ${JSON.stringify(o.list)} in workspace ${ws}`);
    const cols = await exportColumns(db, ws, o.fields?.split(',').map((f) => f.trim()).filter(Boolean));
    const csv = exportListCsv(db, ws, listId, cols);
    if (o.out) {
      await pipeline(csv, createWriteStream(o.out));
      console.error(`exported list ${JSON.stringify(o.list)} to ${o.out}`);
    } else {
      csv.pipe(process.stdout, { end: false });
      await finished(csv);
    }
  });
}

export function registerImportExportCommands(program: Command) {
  program
    .command('import')
    .argument('<file>', 'CSV file with a header line')
    .requiredOption('--list <name>', 'list to add the contacts to (created if missing)')
    .option('--map <column=field>', 'map a CSV column to email, first_name, …, fields.<key>, tags or ignore (repeatable; default: guessed from the header)', collect, [])
    .option('--delimiter <sep>', 'field separator: auto, comma, semicolon or tab', 'auto')
    .option('--tag <tag>', 'tag every imported contact (repeatable)', collect, [])
    .option('--workspace <id>', 'workspace id (default: the first one)')
    .option('--no-update', 'leave contacts that already exist unchanged')
    .description('import contacts from a CSV file, with a progress bar and a report of rejected lines')
    .action((file: string, o: ImportOptions) => importFile(file, o));
  program
    .command('export')
    .requiredOption('--list <name>', 'list to export')
    .option('--fields <a,b>', 'columns (default: email,first_name,last_name,joined_at); custom fields as fields.<key> or <key>')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--workspace <id>', 'workspace id (default: the first one)')
    .description('export the members of a list as CSV')
    .action((o) => exportList(o));
}
