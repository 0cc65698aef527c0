import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../src/db/index.ts';
import { testApp, newWorkspace, type TestApp, type Workspace } from './helpers.ts';

/**
 * Issue 17, "Contacts, import, export" (C-2): files and values real users bring — French
 * Excel's semicolons, any header name, national phone numbers, a tags column, a field created
 * from the mapping — and the segment export's date added. C-6 (engagement on the contact
 * record) is in contacts.test.ts.
 */

let t: TestApp;
beforeAll(async () => {
  t = await testApp();
});
afterAll(() => t?.close());

const upload = (ws: Workspace, csv: string, query = '') => ws.api('POST', `/api/v1/imports/upload${query}`, csv, { 'content-type': 'text/csv' });
/** The body as written, so a key like __proto__ reaches the server as the client sent it. */
const startImport = (ws: Workspace, json: string) => ws.api('POST', '/api/v1/imports', json, { 'content-type': 'application/json' });

async function run(ws: Workspace, importId: number) {
  await t.app.drain();
  return (await ws.api('GET', `/api/v1/imports/${importId}`)).body;
}
const errorsOf = async (ws: Workspace, importId: number) => (await ws.api('GET', `/api/v1/imports/${importId}/errors`)).body.data;
async function contactByEmail(ws: Workspace, email: string) {
  const found = (await ws.api('GET', `/api/v1/contacts?q=${encodeURIComponent(email)}`)).body.data;
  return found[0] ? (await ws.api('GET', `/api/v1/contacts/${found[0].id}`)).body : null;
}

describe('CSV delimiter (C-2)', () => {
  it('reads a semicolon file from French-locale Excel as its columns', async () => {
    const ws = await newWorkspace(t);
    const up = await upload(ws, '\ufeffEmail;Prénom;Nom\r\nann@example.com;Ann;"Lee; Jr."\r\nbob@example.com;Bob;Martin\r\n');
    expect(up.status).toBe(201);
    expect(up.body).toMatchObject({ delimiter: 'semicolon', columns: ['Email', 'Prénom', 'Nom'], row_count: 2 });
    expect(up.body.suggested_mapping).toEqual({ Email: 'email', Prénom: 'first_name', Nom: 'last_name' });
    const imp = (await ws.api('POST', '/api/v1/imports', { upload_id: up.body.upload_id, mapping: up.body.suggested_mapping })).body;
    expect(await run(ws, imp.id)).toMatchObject({ status: 'done', created: 2, error_count: 0 });
    expect(await contactByEmail(ws, 'ann@example.com')).toMatchObject({ first_name: 'Ann', last_name: 'Lee; Jr.' });
  });

  it('detects tabs and commas, and lets the uploader choose (a quoted separator does not count)', async () => {
    const ws = await newWorkspace(t);
    expect((await upload(ws, 'email\tfirst_name\nann@example.com\tAnn\n')).body).toMatchObject({ delimiter: 'tab', columns: ['email', 'first_name'] });
    // one quoted header with semicolons, commas between the columns
    expect((await upload(ws, '"a;b;c",email,x\n1,ann@example.com,2\n')).body).toMatchObject({ delimiter: 'comma', columns: ['a;b;c', 'email', 'x'] });
    expect((await upload(ws, 'email\nann@example.com\n')).body).toMatchObject({ delimiter: 'comma', columns: ['email'] });
    // the uploader's choice wins over the guess
    const forced = await upload(ws, 'email;name,with comma\nann@example.com;Ann, Lee\n', '?delimiter=semicolon');
    expect(forced.body).toMatchObject({ delimiter: 'semicolon', columns: ['email', 'name,with comma'] });
    const imp = (await ws.api('POST', '/api/v1/imports', { upload_id: forced.body.upload_id, mapping: { email: 'email', 'name,with comma': 'first_name' } })).body;
    expect(await run(ws, imp.id)).toMatchObject({ status: 'done', created: 1 });
    expect((await contactByEmail(ws, 'ann@example.com')).first_name).toBe('Ann, Lee');
    const bad = await upload(ws, 'email\n', '?delimiter=pipe');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toContain('delimiter');
  });

  it('documents the delimiter choice in OpenAPI', async () => {
    const doc = (await t.http.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    const params = doc.paths['/api/v1/imports/upload'].post.parameters.map((p: any) => p.name);
    expect(params).toContain('delimiter');
  });
});

describe('any header name imports (C-2)', () => {
  it('imports columns named constructor, toString and __proto__, and a mapping with a __proto__ key', async () => {
    const ws = await newWorkspace(t);
    await ws.api('POST', '/api/v1/fields', { key: 'ctor', type: 'text' });
    const up = await upload(ws, 'constructor,toString,__proto__,hasOwnProperty\nbuilder,yes,ann@example.com,x\nmaker,no,bob@example.com,y\n');
    expect(up.status).toBe(201);
    expect(up.body.columns).toEqual(['constructor', 'toString', '__proto__', 'hasOwnProperty']);
    expect(Object.keys(up.body.suggested_mapping)).toEqual(['constructor', 'toString', '__proto__', 'hasOwnProperty']);
    expect(up.body.preview[0]).toEqual(Object.fromEntries([['constructor', 'builder'], ['toString', 'yes'], ['__proto__', 'ann@example.com'], ['hasOwnProperty', 'x']]));
    // the client's JSON as sent: JSON.stringify would not even write a __proto__ key from a literal
    const res = await startImport(ws, `{"upload_id": ${up.body.upload_id}, "mapping": {"__proto__": "email", "constructor": "fields.ctor", "toString": "first_name"}}`);
    expect(res.status).toBe(202);
    expect(Object.keys(res.body.mapping).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(await run(ws, res.body.id)).toMatchObject({ status: 'done', created: 2, error_count: 0 });
    expect(await contactByEmail(ws, 'ann@example.com')).toMatchObject({ first_name: 'yes', fields: { ctor: 'builder' } });
  });

  it('refuses a mapping that names a column the file does not have, even one Object.prototype has', async () => {
    const ws = await newWorkspace(t);
    const up = await upload(ws, 'email\nann@example.com\n');
    const res = await startImport(ws, `{"upload_id": ${up.body.upload_id}, "mapping": {"email": "email", "constructor": "first_name"}}`);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'mapping.constructor', message: 'no such column in the file' }]);
    const target = await startImport(ws, `{"upload_id": ${up.body.upload_id}, "mapping": {"email": "toString"}}`);
    expect(target.status).toBe(400);
    expect(target.body.error.details[0]).toMatchObject({ path: 'mapping.email', message: expect.stringContaining('unknown field "toString"') });
  });
});

describe('national phone numbers (C-2, C-1)', () => {
  it('refuses them without a default country, naming the line and the column', async () => {
    const ws = await newWorkspace(t);
    const up = await upload(ws, 'email,Mobile\nann@example.com,06 12 34 56 78\nbob@example.com,+33 6 98 76 54 32\n');
    const imp = (await ws.api('POST', '/api/v1/imports', { upload_id: up.body.upload_id, mapping: up.body.suggested_mapping })).body;
    expect(await run(ws, imp.id)).toMatchObject({ status: 'done', created: 1, error_count: 1 });
    expect(await errorsOf(ws, imp.id)).toEqual([
      { line: 2, column: 'Mobile', reason: expect.stringContaining('settings.contacts.default_country') },
    ]);
    expect((await contactByEmail(ws, 'bob@example.com')).phone).toBe('+33698765432');
  });

  it('reads them in the workspace default country, in imports and through the API', async () => {
    const ws = await newWorkspace(t);
    const set = await ws.api('PATCH', '/api/v1/workspace', { settings: { contacts: { default_country: 'FR' } } });
    expect(set.status).toBe(200);
    expect(set.body.settings.contacts).toEqual({ default_country: 'FR' });
    const up = await upload(ws, 'email;Téléphone\nann@example.com;06 12 34 56 78\nbob@example.com;0044 20 7946 0958\ncid@example.com;12\n');
    const imp = (await ws.api('POST', '/api/v1/imports', { upload_id: up.body.upload_id, mapping: up.body.suggested_mapping })).body;
    expect(await run(ws, imp.id)).toMatchObject({ status: 'done', created: 2, error_count: 1 });
    expect((await contactByEmail(ws, 'ann@example.com')).phone).toBe('+33612345678');
    expect((await contactByEmail(ws, 'bob@example.com')).phone).toBe('+442079460958');
    expect(await errorsOf(ws, imp.id)).toEqual([{ line: 4, column: 'Téléphone', reason: expect.stringContaining('not a phone number') }]);
    const created = await ws.api('POST', '/api/v1/contacts', { email: 'dan@example.com', phone: '06.11.22.33.44' });
    expect(created.status).toBe(201);
    expect(created.body.phone).toBe('+33611223344');
    const patched = await ws.api('PATCH', `/api/v1/contacts/${created.body.id}`, { phone: '(06) 55 44 33 22' });
    expect(patched.body.phone).toBe('+33655443322');
    const bad = await ws.api('POST', '/api/v1/contacts', { email: 'eve@example.com', phone: '06 12' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('phone');
  });

  it('keeps E.164 numbers as they were without a default country (API)', async () => {
    const ws = await newWorkspace(t);
    expect((await ws.api('POST', '/api/v1/contacts', { email: 'a@example.com', phone: '+33 6 12 34 56 78' })).body.phone).toBe('+33612345678');
    const national = await ws.api('POST', '/api/v1/contacts', { email: 'b@example.com', phone: '06 12 34 56 78' });
    expect(national.status).toBe(400);
    expect(national.body.error.details[0]).toMatchObject({ path: 'phone', message: expect.stringContaining('default_country') });
  });

  it('validates settings.contacts.default_country as an ISO 3166 alpha-2 code', async () => {
    const ws = await newWorkspace(t);
    for (const bad of ['France', 'fr', 'XX', 42]) {
      const res = await ws.api('PATCH', '/api/v1/workspace', { settings: { contacts: { default_country: bad } } });
      expect(res.status, String(bad)).toBe(400);
      expect(res.body.error.details[0].path).toBe('settings.contacts.default_country');
    }
    const cleared = await ws.api('PATCH', '/api/v1/workspace', { settings: { contacts: { default_country: null } } });
    expect(cleared.status).toBe(200);
  });
});

describe('tags column and a field created from the mapping (C-2)', () => {
  it('maps a column to per-row tags, split on commas and semicolons, with the import tags too', async () => {
    const ws = await newWorkspace(t);
    const up = await upload(ws, 'email,Tags\nann@example.com,"vip, paris;newsletter"\nbob@example.com,\ncid@example.com,"vip;vip; import"\n');
    expect(up.body.suggested_mapping).toEqual({ email: 'email', Tags: 'tags' });
    const imp = (await ws.api('POST', '/api/v1/imports', { upload_id: up.body.upload_id, mapping: up.body.suggested_mapping, tags: ['import'] })).body;
    expect(await run(ws, imp.id)).toMatchObject({ status: 'done', created: 3, error_count: 0 });
    expect((await contactByEmail(ws, 'ann@example.com')).tags.sort()).toEqual(['import', 'newsletter', 'paris', 'vip']);
    expect((await contactByEmail(ws, 'bob@example.com')).tags).toEqual(['import']);
    expect((await contactByEmail(ws, 'cid@example.com')).tags.sort()).toEqual(['import', 'vip']);
    // an existing contact gets the new tags of its row, each logged once
    const again = await upload(ws, 'email,Tags\nbob@example.com,late;import\n');
    const imp2 = (await ws.api('POST', '/api/v1/imports', { upload_id: again.body.upload_id, mapping: again.body.suggested_mapping, tags: ['import'] })).body;
    expect(await run(ws, imp2.id)).toMatchObject({ status: 'done', unchanged: 1 });
    const bob = await contactByEmail(ws, 'bob@example.com');
    expect(bob.tags.sort()).toEqual(['import', 'late']);
    const added = (await ws.api('GET', `/api/v1/contacts/${bob.id}/events`)).body.data.filter((e: any) => e.type === 'tag.added').map((e: any) => e.data.tag);
    expect(added.sort()).toEqual(['import', 'late']);
  });

  it('reports a tag that is too long on its line and column', async () => {
    const ws = await newWorkspace(t);
    const up = await upload(ws, `email,labels\nann@example.com,ok\nbob@example.com,${'x'.repeat(101)}\n`);
    const imp = (await ws.api('POST', '/api/v1/imports', { upload_id: up.body.upload_id, mapping: { email: 'email', labels: 'tags' } })).body;
    expect(await run(ws, imp.id)).toMatchObject({ created: 1, error_count: 1 });
    expect(await errorsOf(ws, imp.id)).toEqual([{ line: 3, column: 'labels', reason: expect.stringContaining('1 to 100 characters') }]);
  });

  it('creates the custom fields the mapping names in create_fields, with the import or not at all', async () => {
    const ws = await newWorkspace(t);
    const up = await upload(ws, 'email,Score,Member since\nann@example.com,12,2024-03-01\n');
    const refused = await ws.api('POST', '/api/v1/imports', {
      upload_id: up.body.upload_id,
      mapping: { email: 'email', Score: 'fields.score', 'Member since': 'first_name', nope: 'email' },
      create_fields: [{ key: 'score', type: 'number' }],
    });
    expect(refused.status).toBe(400);
    expect((await ws.api('GET', '/api/v1/fields')).body.data).toEqual([]); // the field went with the refused import
    const badField = await ws.api('POST', '/api/v1/imports', {
      upload_id: up.body.upload_id,
      mapping: { email: 'email', Score: 'fields.Score' },
      create_fields: [{ key: 'Score', type: 'number' }],
    });
    expect(badField.status).toBe(400);
    expect(badField.body.error.details[0].path).toBe('create_fields[0].key');
    const ok = await ws.api('POST', '/api/v1/imports', {
      upload_id: up.body.upload_id,
      mapping: { email: 'email', Score: 'fields.score', 'Member since': 'fields.member_since' },
      create_fields: [{ key: 'score', type: 'number', label: 'Score' }, { key: 'member_since', type: 'date' }],
    });
    expect(ok.status).toBe(202);
    expect(await run(ws, ok.body.id)).toMatchObject({ status: 'done', created: 1, error_count: 0 });
    expect((await contactByEmail(ws, 'ann@example.com')).fields).toEqual({ score: 12, member_since: '2024-03-01' });
    expect((await ws.api('GET', '/api/v1/fields')).body.data.map((f: any) => [f.key, f.type, f.label])).toEqual([['score', 'number', 'Score'], ['member_since', 'date', 'member_since']]);
    // a field that exists already is a conflict naming it
    const up2 = await upload(ws, 'email,Score\nbob@example.com,3\n');
    const dup = await ws.api('POST', '/api/v1/imports', { upload_id: up2.body.upload_id, mapping: { email: 'email', Score: 'fields.score' }, create_fields: [{ key: 'score', type: 'number' }] });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details[0].path).toBe('create_fields[0].key');
  });
});

describe('segment export has the date added (C-2, S-5)', () => {
  it('exports email, first and last name and joined_at: when the contact entered the segment', async () => {
    const ws = await newWorkspace(t);
    const list = (await ws.api('POST', '/api/v1/lists', { name: 'L' })).body.id;
    const a = (await ws.api('POST', '/api/v1/contacts', { email: 'a@example.com', first_name: 'A', last_name: 'One', list_ids: [list] })).body;
    const seg = (await ws.api('POST', '/api/v1/segments', { name: 'On L', criteria: { all: [{ type: 'list', op: 'in', list_ids: [list] }] } })).body.id;
    await t.app.drain(); // the first refresh: a is a member from now on
    const tracked = t.clock.now().toISOString();
    t.clock.set(new Date(t.clock.now().getTime() + 3_600_000));
    // b joins after the refresh: not tracked yet, so its date added is its creation
    const b = (await ws.api('POST', '/api/v1/contacts', { email: 'b@example.com', first_name: 'B', last_name: 'Two', list_ids: [list] })).body;
    const csv = await ws.api('GET', `/api/v1/segments/${seg}/export`);
    expect(csv.status).toBe(200);
    const entered = (await t.db.query<{ entered_at: Date }>(sql`select entered_at from segment_members where workspace_id = ${ws.id} and contact_id = ${a.id}`)).rows[0];
    expect(new Date(entered.entered_at).toISOString()).toBe(tracked);
    expect(csv.body.trim().split('\n')).toEqual([
      'email,first_name,last_name,joined_at',
      `a@example.com,A,One,${tracked}`,
      `b@example.com,B,Two,${new Date(b.created_at).toISOString()}`,
    ]);
    const chosen = await ws.api('GET', `/api/v1/segments/${seg}/export?fields=email,joined_at`);
    expect(chosen.body.split('\n')[1]).toBe(`a@example.com,${tracked}`);
  });
});
