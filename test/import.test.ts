import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp, newWorkspace, PG_URL, type TestApp, type Workspace } from './helpers.ts';
import { BatchRaceError, writeBatch } from '../src/contacts/import/write-batch.ts';
import { BATCH_ROWS, EMBEDDED_BATCH_ROWS } from '../src/contacts/import/index.ts';

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const upload = (ws: Workspace, csv: string) => ws.api('POST', '/api/v1/imports/upload', csv, { 'content-type': 'text/csv' });

/** Uploads, imports with the suggested mapping (plus overrides), runs the job, returns the import. */
async function importCsv(ws: Workspace, csv: string, opts: Record<string, unknown> = {}, mapping: Record<string, string> = {}) {
  const up = await upload(ws, csv);
  expect(up.status).toBe(201);
  const created = await ws.api('POST', '/api/v1/imports', { upload_id: up.body.upload_id, mapping: { ...up.body.suggested_mapping, ...mapping }, ...opts });
  expect(created.status).toBe(202);
  await t.app.drain();
  return (await ws.api('GET', `/api/v1/imports/${created.body.id}`)).body;
}

async function contactByEmail(ws: Workspace, email: string) {
  const found = (await ws.api('GET', `/api/v1/contacts?q=${encodeURIComponent(email)}`)).body.data;
  return (await ws.api('GET', `/api/v1/contacts/${found[0].id}`)).body;
}
const eventsOf = async (ws: Workspace, id: number) => (await ws.api('GET', `/api/v1/contacts/${id}/events?limit=500`)).body.data.reverse();

/**
 * Runs `fn` with a BEFORE INSERT trigger on contacts named `name` whose PL/pgSQL `body` may fail
 * on purpose (a sequence of the same name counts how often it fired), then removes all three.
 */
async function withContactsTrigger(name: string, body: string, fn: () => Promise<void>) {
  await t.db.query(`
    create sequence ${name};
    create function ${name}() returns trigger language plpgsql as $$
    begin
      ${body}
      return new;
    end $$;
    create trigger ${name} before insert on contacts for each row execute function ${name}();`);
  try {
    await fn();
  } finally {
    await t.db.query(`drop trigger ${name} on contacts; drop function ${name}(); drop sequence ${name};`);
  }
}

/** Uploads a CSV, imports it into a list, runs what is due, and returns the import as it then stands. */
async function importIntoList(ws: Workspace, csv: string, listId: number) {
  const up = (await upload(ws, csv)).body;
  const imp = (await ws.api('POST', '/api/v1/imports', { upload_id: up.upload_id, mapping: up.suggested_mapping, list_ids: [listId] })).body;
  await t.app.drain();
  return { imp, state: (await ws.api('GET', `/api/v1/imports/${imp.id}`)).body };
}

describe('CSV import (C-2)', () => {
  it('suggests a mapping, imports typed custom fields, lists and tags, and logs each new contact', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'plan', type: 'text' });
    await ws.api('POST', '/api/v1/fields', { key: 'score', type: 'number' });
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Imported' })).body;
    const csv = '\ufeffEmail,First Name,Last name,Plan,Score,Notes\nann@example.com,Ann,Lee,pro,10.5,x\nbob@example.com,Bob,,free,3,y\ncid@example.com,,,,,\n';
    const up = await upload(ws, csv);
    expect(up.status).toBe(201);
    expect(up.body.columns).toEqual(['Email', 'First Name', 'Last name', 'Plan', 'Score', 'Notes']);
    expect(up.body.row_count).toBe(3);
    expect(up.body.preview[0]).toEqual({ Email: 'ann@example.com', 'First Name': 'Ann', 'Last name': 'Lee', Plan: 'pro', Score: '10.5', Notes: 'x' });
    expect(up.body.suggested_mapping).toEqual({ Email: 'email', 'First Name': 'first_name', 'Last name': 'last_name', Plan: 'fields.plan', Score: 'fields.score', Notes: 'ignore' });
    const created = await ws.api('POST', '/api/v1/imports', { upload_id: up.body.upload_id, mapping: up.body.suggested_mapping, list_ids: [list.id], tags: ['imported'] });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ status: 'queued', list_ids: [list.id], tags: ['imported'], update_existing: true, source: 'import' });
    await t.app.drain();
    const done = (await ws.api('GET', `/api/v1/imports/${created.body.id}`)).body;
    expect(done).toMatchObject({ status: 'done', progress: 100, rows_done: 3, created: 3, updated: 0, skipped: 0, error_count: 0, total_rows: 3 });
    const ann = await contactByEmail(ws, 'ann@example.com');
    expect(ann).toMatchObject({ first_name: 'Ann', last_name: 'Lee', fields: { plan: 'pro', score: 10.5 }, tags: ['imported'], email_status: 'subscribed' });
    expect(ann.lists.map((l: any) => [l.id, l.source])).toEqual([[list.id, 'import']]);
    const events = await eventsOf(ws, ann.id);
    expect(events.map((e: any) => e.type)).toEqual(['contact.created', 'consent.changed', 'list.joined', 'tag.added']);
    expect(events[0].data).toEqual({ source: 'import' });
    expect(events[1].data).toEqual({ channel: 'email', status: 'subscribed', previous: null, source: 'import' });
    expect((await ws.api('GET', `/api/v1/contacts/${ann.id}/consent-history`)).body.data.map((h: any) => `${h.status}:${h.source}`)).toEqual(['subscribed:import']);
    expect((await ws.api('GET', `/api/v1/lists/${list.id}`)).body.member_count).toBe(3);
    expect((await ws.api('GET', '/api/v1/imports')).body.data.map((i: any) => i.id)).toEqual([created.body.id]);
  });

  it('adds each contact once to a list named twice in list_ids', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Twice' })).body;
    const done = await importCsv(ws, 'email\nann@example.com\nbob@example.com\n', { list_ids: [list.id, list.id] });
    expect(done).toMatchObject({ status: 'done', created: 2, list_ids: [list.id] });
    expect((await ws.api('GET', `/api/v1/lists/${list.id}`)).body.member_count).toBe(2);
  });

  it('updates contacts by unique key, only the mapped non-empty columns, and logs only real changes', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'plan', type: 'text' });
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'L' })).body;
    const ann = (await ws.api('POST', '/api/v1/contacts', { email: 'ann@example.com', first_name: 'Ann', phone: '+33612345678', fields: { plan: 'free' } })).body;
    const csv = 'email,first_name,last_name,plan\nAnn@Example.com,Ann,Stone,pro\nbob@example.com,Bob,,\n';
    const first = await importCsv(ws, csv, { list_ids: [list.id], tags: ['t'] });
    expect(first).toMatchObject({ created: 1, updated: 1, unchanged: 0, skipped: 0 });
    const after = await contactByEmail(ws, 'ann@example.com');
    expect(after).toMatchObject({ id: ann.id, email: 'Ann@Example.com', first_name: 'Ann', last_name: 'Stone', phone: '+33612345678', fields: { plan: 'pro' } });
    const updates = (await eventsOf(ws, ann.id)).filter((e: any) => e.type === 'contact.updated').map((e: any) => e.data);
    expect(updates.sort((a: any, b: any) => a.field.localeCompare(b.field))).toEqual([
      { field: 'email', old: 'ann@example.com', new: 'Ann@Example.com' },
      { field: 'last_name', old: null, new: 'Stone' },
      { field: 'plan', old: 'free', new: 'pro' },
    ]);
    // the same file again: nothing changes, nothing is logged, memberships and tags are not re-added
    const before = (await eventsOf(ws, ann.id)).length;
    const again = await importCsv(ws, csv, { list_ids: [list.id], tags: ['t'] });
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 2, skipped: 0 });
    expect((await eventsOf(ws, ann.id)).length).toBe(before);
    // empty cells never blank a stored value; update_existing=false leaves existing contacts alone
    const blank = await importCsv(ws, 'email,first_name,last_name\nAnn@Example.com,,\n');
    expect(blank).toMatchObject({ updated: 0, unchanged: 1 });
    expect((await contactByEmail(ws, 'ann@example.com')).last_name).toBe('Stone');
    const keep = await importCsv(ws, 'email,first_name\nann@example.com,Anne\ncat@example.com,Cat\n', { update_existing: false });
    expect(keep).toMatchObject({ created: 1, updated: 0, skipped: 1 });
    expect((await contactByEmail(ws, 'ann@example.com')).first_name).toBe('Ann');
  });

  it('matches on a custom-field unique key', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'customer_id', type: 'text' });
    const a = (await ws.api('POST', '/api/v1/contacts', { email: 'same@example.com', fields: { customer_id: 'A1' } })).body;
    expect((await ws.api('PATCH', '/api/v1/workspace', { unique_key: 'customer_id' })).status).toBe(200);
    const res = await importCsv(ws, 'Customer ID,email,first_name\nA1,same@example.com,Al\nB2,same@example.com,Bea\n', {}, { 'Customer ID': 'fields.customer_id' });
    expect(res).toMatchObject({ created: 1, updated: 1 });
    const all = (await ws.api('GET', '/api/v1/contacts')).body.data;
    expect(all.map((c: any) => [c.key, c.first_name]).sort()).toEqual([['A1', 'Al'], ['B2', 'Bea']]);
    expect(all.find((c: any) => c.key === 'A1').id).toBe(a.id);
    const noKey = await upload(ws, 'email\nx@example.com\n');
    const refused = await ws.api('POST', '/api/v1/imports', { upload_id: noKey.body.upload_id, mapping: { email: 'email' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'mapping', message: expect.stringContaining('fields.customer_id') }]);
  });

  for (const eol of ['\n', '\r\n']) {
    it(`reports rejected rows by physical line number (${JSON.stringify(eol)} line ends)`, async () => {
      const ws = await newWorkspace(t);
      await ws.api('POST', '/api/v1/fields', { key: 'score', type: 'number' });
      const lines = [
        'email,first_name,score', // 1
        `ok1@example.com,"Multi${eol}line",1`, // 2-3
        'bad-email,X,2', // 4
        'ok2@example.com,Y,notanumber', // 5
        'short@example.com', // 6
        '', // 7: empty lines are skipped
        ',Z,3', // 8
        'ok3@example.com,"he said ""hi""",4', // 9
        'q"uote@example.com,Q,5', // 10: a stray quote stays in the value
        'ok1@example.com,Again,6', // 11: same key as line 2, the last one wins
        'ok4@example.com,"x",7,extra', // 12
      ];
      const res = await importCsv(ws, lines.join(eol) + eol);
      expect(res).toMatchObject({ status: 'done', rows_done: 9, created: 2, error_count: 6, skipped: 7 });
      const errors = (await ws.api('GET', `/api/v1/imports/${res.id}/errors`)).body;
      expect(errors.data.map((e: any) => [e.line, e.column ?? null])).toEqual([
        [4, 'email'], [5, 'score'], [6, null], [8, 'email'], [10, 'email'], [12, null],
      ]);
      expect(errors.data[2].reason).toBe('expected 3 fields, found 1');
      expect(errors.data[3].reason).toContain('unique key');
      expect((await contactByEmail(ws, 'ok1@example.com')).first_name).toBe('Again');
      expect((await contactByEmail(ws, 'ok3@example.com')).first_name).toBe('he said "hi"');
      const page = (await ws.api('GET', `/api/v1/imports/${res.id}/errors?limit=4`)).body;
      const rest = (await ws.api('GET', `/api/v1/imports/${res.id}/errors?limit=4&after=${page.next_after}`)).body;
      expect([...page.data, ...rest.data].map((e: any) => e.line)).toEqual([4, 5, 6, 8, 10, 12]);
    });
  }

  it('refuses bad mappings, unknown lists and unreadable files with 400 naming the field', async () => {
    const ws = await newWorkspace(t);
    const up = (await upload(ws, 'Email,Name\na@example.com,A\n')).body;
    const post = (body: object) => ws.api('POST', '/api/v1/imports', { upload_id: up.upload_id, ...body });
    const paths = async (body: object) => {
      const r = await post(body);
      expect(r.status).toBe(400);
      return r.body.error.details.map((d: any) => d.path);
    };
    expect(await paths({ mapping: { Email: 'e-mail' } })).toEqual(['mapping.Email', 'mapping']);
    expect(await paths({ mapping: { Email: 'email', Name: 'fields.nickname' } })).toEqual(['mapping.Name']);
    expect(await paths({ mapping: { Email: 'email', Nope: 'first_name' } })).toEqual(['mapping.Nope']);
    expect(await paths({ mapping: { Email: 'email', Name: 'email' } })).toEqual(['mapping.Name']);
    expect(await paths({ mapping: { Name: 'first_name' } })).toEqual(['mapping']);
    expect(await paths({ mapping: { Email: 'email' }, list_ids: [987654] })).toEqual(['list_ids[0]']);
    expect(await paths({ mapping: { Email: 'email' }, tags: ['ok', ' '] })).toEqual(['tags[1]']);
    expect((await ws.api('POST', '/api/v1/imports', { upload_id: 987654, mapping: { Email: 'email' } })).body.error.details[0].path).toBe('upload_id');
    expect((await post({ mapping: { Email: 'email' } })).status).toBe(202);
    expect((await post({ mapping: { Email: 'email' } })).status).toBe(409); // one import per upload
    const empty = await upload(ws, '');
    expect(empty.status).toBe(400);
    const unclosed = await upload(ws, 'email,name\na@example.com,A\nb@example.com,"B\nc@example.com,C\n');
    expect(unclosed.status).toBe(400);
    expect(unclosed.body.error.message).toContain('line 3');
    const json = await ws.api('POST', '/api/v1/imports/upload', { a: 1 });
    expect(json.status).toBe(400);
    const viewer = await ws.as('viewer');
    expect((await viewer('POST', '/api/v1/imports/upload', 'email\n', { 'content-type': 'text/csv' })).status).toBe(403);
  });

  it('fails before writing anything when a mapped field disappeared before the job ran', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'plan', type: 'text' });
    const up = (await upload(ws, 'email,plan\na@example.com,pro\n')).body;
    const imp = (await ws.api('POST', '/api/v1/imports', { upload_id: up.upload_id, mapping: up.suggested_mapping })).body;
    await ws.api('DELETE', '/api/v1/fields/plan');
    await t.app.drain();
    const res = (await ws.api('GET', `/api/v1/imports/${imp.id}`)).body;
    expect(res.status).toBe('failed');
    expect(res.error).toContain('mapping.plan');
    expect(res.rows_done).toBe(0);
    expect((await ws.api('GET', '/api/v1/contacts')).body.data).toHaveLength(0);
  });

  it('resumes after a failed batch from its checkpoint, importing each row exactly once', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Big' })).body;
    const n = 12_000;
    const rows = Array.from({ length: n }, (_, i) => `r${i}@example.com,R${i}`);
    // a real database failure inside the second batch, once (a sequence survives the rollback)
    const crash = `if new.email = 'r7000@example.com' and nextval('import_boom') = 1 then raise exception 'simulated crash'; end if;`;
    await withContactsTrigger('import_boom', crash, async () => {
      const { imp, state: half } = await importIntoList(ws, `email,first_name\n${rows.join('\n')}\n`, list.id);
      // rows of the batches before the failing one (the embedded database writes smaller ones)
      const batch = t.db.kind === 'postgres' ? BATCH_ROWS : EMBEDDED_BATCH_ROWS;
      const before = Math.floor(7000 / batch) * batch;
      expect(half).toMatchObject({ status: 'running', rows_done: before, created: before, attempts: 1 });
      expect(half.error).toContain('simulated crash');
      expect(half.progress).toBeGreaterThan(30);
      t.clock.set(new Date(t.clock.now().getTime() + 60_000)); // past the retry backoff
      await t.app.drain();
      const done = (await ws.api('GET', `/api/v1/imports/${imp.id}`)).body;
      expect(done).toMatchObject({ status: 'done', rows_done: n, created: n, updated: 0, attempts: 2 });
      const { rows: counts } = await t.db.query<Record<string, number>>(`
        select (select count(*) from contacts where workspace_id = ${ws.id})::int as contacts,
               (select count(distinct key) from contacts where workspace_id = ${ws.id})::int as keys,
               (select count(*) from events where workspace_id = ${ws.id} and type = 'contact.created')::int as created,
               (select count(*) from events where workspace_id = ${ws.id} and type = 'list.joined')::int as joined,
               (select count(*) from consent_history where workspace_id = ${ws.id})::int as consent`);
      expect(counts[0]).toEqual({ contacts: n, keys: n, created: n, joined: n, consent: n });
      // the export pages through the list by keyset
      const csv = await ws.api('GET', `/api/v1/lists/${list.id}/export?fields=email,first_name`);
      const out = csv.body.trim().split('\n');
      expect(out.length).toBe(n + 1);
      expect(new Set(out).size).toBe(n + 1);
    });
  });

  // PostgreSQL only: PGlite has one connection, so one writer and no batch can overtake another
  it.runIf(PG_URL)('resumes after a crash between two writers\' commits: a later batch committed first is neither lost nor written twice', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'Overtaken' })).body;
    const n = 12_000;
    const rows = Array.from({ length: n }, (_, i) => (i === 11_000 ? 'not-an-email,Bad' : `o${i}@example.com,O${i}`));
    // the second batch fails, once, but only after the third (written by the other writer) committed
    const crashLate = `
      if new.email = 'o7000@example.com' and nextval('import_overtake') = 1 then
        for i in 1..400 loop
          exit when exists (select 1 from contacts where email = 'o10000@example.com');
          perform pg_sleep(0.05);
        end loop;
        raise exception 'simulated crash';
      end if;`;
    await withContactsTrigger('import_overtake', crashLate, async () => {
      const { imp, state: half } = await importIntoList(ws, `email,first_name\n${rows.join('\n')}\n`, list.id);
      // the checkpoint stays after the first batch; the third is in, waiting for the second
      // rows of the batches before the failing one (the embedded database writes smaller ones)
      const batch = t.db.kind === 'postgres' ? BATCH_ROWS : EMBEDDED_BATCH_ROWS;
      const before = Math.floor(7000 / batch) * batch;
      expect(half).toMatchObject({ status: 'running', rows_done: before, created: before, attempts: 1 });
      expect(half.error).toContain('simulated crash');
      const count = async (where: string) =>
        (await t.db.query<{ n: number }>(`select count(*)::int as n from contacts where workspace_id = ${ws.id} and ${where}`)).rows[0].n;
      expect(await count(`email = 'o10000@example.com'`)).toBe(1);
      expect(await count(`email = 'o7000@example.com'`)).toBe(0);
      t.clock.set(new Date(t.clock.now().getTime() + 60_000)); // past the retry backoff
      await t.app.drain();
      const done = (await ws.api('GET', `/api/v1/imports/${imp.id}`)).body;
      expect(done).toMatchObject({ status: 'done', rows_done: n, created: n - 1, updated: 0, unchanged: 0, error_count: 1, attempts: 2 });
      const errors = (await ws.api('GET', `/api/v1/imports/${imp.id}/errors`)).body.data;
      expect(errors.map((e: any) => [e.line, e.column])).toEqual([[11_002, 'email']]);
      const { rows: counts } = await t.db.query<Record<string, number>>(`
        select (select count(*) from contacts where workspace_id = ${ws.id})::int as contacts,
               (select count(*) from events where workspace_id = ${ws.id} and type = 'contact.created')::int as created,
               (select count(*) from events where workspace_id = ${ws.id} and type = 'consent.changed')::int as consent_events,
               (select count(*) from events where workspace_id = ${ws.id} and type = 'list.joined')::int as joined,
               (select count(*) from consent_history where workspace_id = ${ws.id})::int as consent`);
      expect(counts[0]).toEqual({ contacts: n - 1, created: n - 1, consent_events: n - 1, joined: n - 1, consent: n - 1 });
    });
  });

  it.runIf(PG_URL)('sends a batch back to be retried when another transaction creates one of its contacts after its snapshot', async () => {
    const ws = await newWorkspace(t);
    const plan = { workspaceId: ws.id, fields: ['email' as const], hasCustom: false, listIds: [], tags: [], updateExisting: true, source: 'import' };
    const rows = [{ key: 'race@example.com', values: { email: 'race@example.com' } }, { key: 'calm@example.com', values: { email: 'calm@example.com' } }];
    let commitOther!: () => void;
    let inserted!: () => void;
    const otherInserted = new Promise<void>((r) => (inserted = r));
    const other = t.db.tx(async (tx) => {
      await tx.query(`insert into contacts (workspace_id, key, email, created_at, updated_at) values ($1, 'race@example.com', 'race@example.com', now(), now())`, [ws.id]);
      inserted();
      await new Promise<void>((r) => (commitOther = r));
    });
    await otherInserted;
    const batch = t.db.tx((tx) => writeBatch(tx, plan, rows, t.clock.now()));
    batch.catch(() => {});
    // the batch waits on the unique index for the other transaction, which then commits
    for (let i = 0; i < 200; i++) {
      const { rows: waiting } = await t.db.query<{ n: number }>(`select count(*)::int as n from pg_locks where locktype = 'transactionid' and not granted`);
      if (waiting[0].n > 0) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    commitOther();
    await other;
    await expect(batch).rejects.toBeInstanceOf(BatchRaceError);
    // nothing of the failed batch was written; the retry sees the contact and only creates the other
    expect((await t.db.query(`select key from contacts where workspace_id = $1 order by key`, [ws.id])).rows).toEqual([{ key: 'race@example.com' }]);
    expect(await t.db.tx((tx) => writeBatch(tx, plan, rows, t.clock.now()))).toEqual({ created: 1, existing: 1, updated: 0 });
  });

  it('exports a list as CSV with default or chosen columns', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'plan', type: 'text' });
    await ws.api('POST', '/api/v1/fields', { key: 'score', type: 'number' });
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'X' })).body;
    await importCsv(ws, 'email,first_name,last_name,plan,score,birthday\nann@example.com,Ann,"Lee, Jr",pro,10.5,1990-02-03\nbob@example.com,Bob,,,,\n', { list_ids: [list.id] });
    await ws.api('POST', '/api/v1/contacts', { email: 'outside@example.com' });
    const def = await ws.api('GET', `/api/v1/lists/${list.id}/export`);
    expect(def.status).toBe(200);
    expect(def.headers['content-type']).toContain('text/csv');
    const joined = t.clock.now().toISOString();
    expect(def.body).toBe(`email,first_name,last_name,joined_at\nann@example.com,Ann,"Lee, Jr",${joined}\nbob@example.com,Bob,,${joined}\n`);
    const chosen = await ws.api('GET', `/api/v1/lists/${list.id}/export?fields=email,fields.plan,score,birthday`);
    expect(chosen.body).toBe('email,plan,score,birthday\nann@example.com,pro,10.5,1990-02-03\nbob@example.com,,,\n');
    const bad = await ws.api('GET', `/api/v1/lists/${list.id}/export?fields=email,colour`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'fields', message: 'unknown field "colour"' }]);
  });

  it('replays an upload sent again with the same Idempotency-Key', async () => {
    const ws = await newWorkspace(t);
    const h = { 'content-type': 'text/csv', 'idempotency-key': 'up-1' };
    const first = await ws.api('POST', '/api/v1/imports/upload', 'email\na@example.com\n', h);
    const again = await ws.api('POST', '/api/v1/imports/upload', 'email\na@example.com\n', h);
    expect(first.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.upload_id).toBe(first.body.upload_id);
  });

  it("keeps each workspace's imports, errors, uploads and lists to itself", async () => {
    const a = await newWorkspace(t, 'A');
    const b = await newWorkspace(t, 'B');
    const list = (await a.api('POST', '/api/v1/lists', { name: 'Mine' })).body;
    const imp = await importCsv(a, 'email\nbad\n');
    expect((await b.api('GET', `/api/v1/imports/${imp.id}`)).status).toBe(404);
    expect((await b.api('GET', `/api/v1/imports/${imp.id}/errors`)).status).toBe(404);
    expect((await b.api('GET', `/api/v1/lists/${list.id}/export`)).status).toBe(404);
    expect((await b.api('GET', '/api/v1/imports')).body.data).toEqual([]);
    const up = (await upload(a, 'email\nx@example.com\n')).body;
    const steal = await b.api('POST', '/api/v1/imports', { upload_id: up.upload_id, mapping: { email: 'email' } });
    expect(steal.status).toBe(400);
    expect(steal.body.error.details[0].path).toBe('upload_id');
    const viewer = await a.as('viewer');
    expect((await viewer('GET', `/api/v1/imports/${imp.id}`)).status).toBe(200);
    expect((await viewer('GET', `/api/v1/lists/${list.id}/export`)).status).toBe(200);
  });
});
