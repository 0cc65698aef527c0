import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWorkspace, testApp, type TestApp, type Workspace } from './helpers.ts';

/**
 * Issue 19: images for emails (M-1: messages with images built in the visual editor). Uploaded
 * as the body itself, typed by their bytes, kept in the database per workspace, served publicly
 * under an unguessable URL. Runs on PGlite, and on PostgreSQL with TEST_DATABASE_URL.
 */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0', 'latin1'), Buffer.alloc(64, 1), Buffer.from([0xff, 0xd9])]);
const WEBP = Buffer.concat([Buffer.from('RIFF', 'latin1'), Buffer.from([26, 0, 0, 0]), Buffer.from('WEBPVP8 ', 'latin1'), Buffer.alloc(18, 0)]);
const SVG = Buffer.from('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(document.cookie)</script></svg>');

let t: TestApp;
let a: Workspace;
let b: Workspace;
beforeAll(async () => {
  t = await testApp();
  a = await newWorkspace(t, 'A');
  b = await newWorkspace(t, 'B');
});
afterAll(async () => t?.close());

const upload = (ws: Workspace, body: Buffer, type: string, filename?: string) =>
  t.http.inject({ method: 'POST', url: `/api/v1/media${filename ? `?filename=${encodeURIComponent(filename)}` : ''}`, payload: body, headers: { authorization: `Bearer ${ws.key}`, 'content-type': type } });
const serve = (url: string) => t.http.inject({ method: 'GET', url: url.replace('http://parcours.test', '') });

describe('media library (issue 19)', () => {
  it('stores an image and serves it publicly at PUBLIC_URL/media/<token>/<name>, cached, nosniff, under a strict CSP', async () => {
    const res = await upload(a, PNG, 'image/png', 'Logo été 2026.png');
    expect(res.statusCode, res.body).toBe(201);
    const item = res.json();
    expect(item).toMatchObject({ filename: 'Logo-ete-2026.png', content_type: 'image/png', size: PNG.length });
    expect(item.url).toMatch(/^http:\/\/parcours\.test\/media\/[A-Za-z0-9_-]{24}\/Logo-ete-2026\.png$/);
    const got = await serve(item.url); // no credentials: mail clients fetch it
    expect(got.statusCode).toBe(200);
    expect(got.rawPayload.equals(PNG)).toBe(true);
    expect(got.headers['content-type']).toBe('image/png');
    expect(got.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    expect(got.headers['content-security-policy']).toMatch(/default-src 'none'.*sandbox/);
    // the token alone, or another name, finds nothing
    expect((await serve(item.url.replace('Logo-ete-2026.png', 'other.png'))).statusCode).toBe(404);
    expect((await serve(item.url.replace(/\/media\/[^/]+\//, '/media/AAAAAAAAAAAAAAAAAAAAAAAA/'))).statusCode).toBe(404);
  });

  it('takes PNG, JPEG, GIF and WebP by their bytes, whatever the Content-Type or name says', async () => {
    for (const [bytes, type] of [[GIF, 'image/gif'], [WEBP, 'image/webp'], [JPEG, 'image/jpeg']] as const) {
      const res = await upload(a, bytes, 'application/octet-stream', 'photo.png');
      expect(res.statusCode, res.body).toBe(201);
      expect(res.json().content_type).toBe(type);
      expect(res.json().filename).toBe(`photo.${type === 'image/jpeg' ? 'jpg' : type.slice(6)}`);
      expect((await serve(res.json().url)).headers['content-type']).toBe(type);
    }
    // a name from a header, when the query has none
    const h = await t.http.inject({ method: 'POST', url: '/api/v1/media', payload: PNG, headers: { authorization: `Bearer ${a.key}`, 'content-type': 'image/png', 'x-filename': encodeURIComponent('../../etc/hero.png') } });
    expect(h.json().filename).toBe('hero.png');
  });

  it('refuses SVG, other files and empty bodies with a 400 naming the reason', async () => {
    const svg = await upload(a, SVG, 'image/svg+xml', 'x.svg');
    expect(svg.statusCode).toBe(400);
    expect(svg.json().error.message).toMatch(/^body: SVG images are refused/);
    const svgAsPng = await upload(a, SVG, 'image/png', 'x.png');
    expect(svgAsPng.statusCode).toBe(400);
    expect(svgAsPng.json().error.details).toEqual([{ path: 'body', message: expect.stringMatching(/SVG/) }]);
    const html = await upload(a, Buffer.from('<html><script>alert(1)</script></html>'), 'image/png');
    expect(html.statusCode).toBe(400);
    expect(html.json().error.message).toMatch(/not a PNG, JPEG, GIF or WebP image/);
    const empty = await upload(a, Buffer.alloc(0), 'image/png');
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.message).toMatch(/empty/);
    expect((await a.api('GET', '/api/v1/media')).body.data.map((m: any) => m.filename)).not.toContain('x.svg');
  });

  it('takes up to 5 MB and refuses more with a 413 saying the limit', async () => {
    const max = Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024 - PNG.length)]);
    expect((await upload(a, max, 'image/png', 'big.png')).statusCode).toBe(201);
    const over = await upload(a, Buffer.concat([max, Buffer.alloc(1)]), 'image/png', 'bigger.png');
    expect(over.statusCode).toBe(413);
    expect(over.json().error).toMatchObject({ code: 'payload_too_large', message: 'an image is at most 5 MB' });
  });

  it("lists a workspace's own images only; another workspace can neither list nor delete them (P-3)", async () => {
    const mine = (await upload(b, PNG, 'image/png', 'b-only.png')).json();
    const listA = (await a.api('GET', '/api/v1/media')).body.data as any[];
    const listB = (await b.api('GET', '/api/v1/media')).body.data as any[];
    expect(listA.map((m) => m.id)).not.toContain(mine.id);
    expect(listB.map((m) => m.filename)).toEqual(['b-only.png']);
    expect(listA.length).toBeGreaterThanOrEqual(5);
    expect(listA.map((m) => m.id)).toEqual([...listA.map((m) => m.id)].sort((x, y) => y - x)); // newest first
    expect((await a.api('DELETE', `/api/v1/media/${mine.id}`)).status).toBe(404);
    expect((await serve(mine.url)).statusCode).toBe(200);
    const page = (await a.api('GET', `/api/v1/media?limit=2&before=${listA[0].id}`)).body.data as any[];
    expect(page.map((m) => m.id)).toEqual(listA.slice(1, 3).map((m) => m.id));
  });

  it('lets authors upload and delete, viewers only list; a deleted image is no longer served', async () => {
    const viewer = await a.as('viewer');
    expect((await viewer('GET', '/api/v1/media')).status).toBe(200);
    const denied = await t.http.inject({ method: 'POST', url: '/api/v1/media', payload: PNG, headers: { authorization: (await viewerKey()).auth, 'content-type': 'image/png' } });
    expect(denied.statusCode).toBe(403);
    const item = (await upload(a, PNG, 'image/png', 'gone.png')).json();
    const author = await a.as('author');
    expect((await viewer('DELETE', `/api/v1/media/${item.id}`)).status).toBe(403);
    expect((await author('DELETE', `/api/v1/media/${item.id}`)).status).toBe(200);
    expect((await serve(item.url)).statusCode).toBe(404);
    expect((await author('DELETE', `/api/v1/media/${item.id}`)).status).toBe(404);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await t.http.inject({ method: 'GET', url: '/api/openapi.json' })).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/media', '/api/v1/media/{id}', '/media/{token}/{filename}']));
  });
});

async function viewerKey() {
  const { createApiKey } = await import('../src/accounts/index.ts');
  const k = await createApiKey(t.db, t.clock, a.id, 'viewer-upload', 'viewer');
  return { auth: `Bearer ${k.key}` };
}
