import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { Router } from '../../http/server.ts';
import { principal } from '../../http/auth.ts';
import { idParams, id } from '../../http/schemas.ts';
import type { Ctx } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { getList } from '../lists.ts';
import { exportColumns, exportListCsv } from '../export.ts';
import { createImport, getImport, listImportErrors, listImports } from './imports.ts';
import { DELIMITERS, type Delimiter } from './csv.ts';
import type { Mapping } from './mapping.ts';
import { MAX_UPLOAD_BYTES, storeUpload } from './upload.ts';
import { registerJsonParser } from '../../http/text-input.ts';
import type { Out } from '../../http/schemas.ts';
import { importBody, importErrors, importPage, uploadAnswer } from './schemas.ts';

/**
 * The raw CSV body, left unread until the handler streams it into the database. toJSON keeps
 * the idempotency hook (which hashes bodies) from walking the request stream.
 */
class CsvBody {
  constructor(readonly stream: Readable) {}
  toJSON() {
    return 'text/csv';
  }
}

/**
 * A mapping's keys are the file's column names, any text: __proto__ or constructor as well. A
 * z.record drops a __proto__ key, so the object is checked as it was parsed (own keys only).
 */
const isMapping = (v: unknown): v is Mapping =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.entries(v).length <= 10_000 &&
  Object.entries(v).every(([k, t]) => k.length <= 500 && typeof t === 'string' && t.length >= 1 && t.length <= 100);
const mappingSchema = z
  .custom<Mapping>(isMapping, { message: 'expected an object of CSV column → field name (text of 1 to 100 characters)' })
  .meta({
    type: 'object',
    additionalProperties: { type: 'string', minLength: 1, maxLength: 100 },
    description: 'CSV column → email, phone, first_name, last_name, language, timezone, birthday, fields.<custom key>, tags (the row\'s tags, separated by commas or semicolons) or ignore; a column left out is ignored',
  });
const newField = z.strictObject({
  key: z.string().max(63),
  type: z.enum(['text', 'number', 'date', 'boolean']),
  label: z.string().trim().min(1).max(200).optional(),
});

export function importRoutes(ctx: Ctx) {
  return (r: Router) => {
    // scoped to this plugin: only these routes accept text/csv
    r.addContentTypeParser(['text/csv', 'application/csv'], (_req, payload, done) => done(null, new CsvBody(payload as Readable)));
    // a mapping's keys are column names, __proto__ too: kept as own keys (mappings are read by own keys only)
    registerJsonParser(r, 'keep');

    r.post('/api/v1/imports/upload', {
      config: { permission: 'write' },
      bodyLimit: MAX_UPLOAD_BYTES,
      schema: {
        tags: ['imports'],
        summary: 'Upload a CSV file (Content-Type: text/csv, up to 200 MB): answers its columns, a preview, a suggested mapping and the separator it was read with',
        querystring: z.strictObject({
          filename: z.string().max(255).optional(),
          delimiter: z
            .enum(['auto', ...(Object.keys(DELIMITERS) as Delimiter[])])
            .default('auto')
            .describe('The field separator: comma, semicolon (Excel in French and other locales) or tab; auto (default) guesses it from the header line'),
        }),
        response: { 201: uploadAnswer },
      },
    }, async (req, reply) => {
      if (!(req.body instanceof CsvBody))
        throw new AppError('validation', 'send the file as the body with Content-Type: text/csv', [{ path: 'content-type', message: 'expected text/csv' }]);
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > MAX_UPLOAD_BYTES) throw new AppError('payload_too_large', 'the file is larger than 200 MB', [{ path: 'body', message: 'too large' }]);
      const res = await storeUpload(ctx.db, ctx.clock, principal(req).workspaceId, req.body.stream, { filename: req.query.filename, delimiter: req.query.delimiter });
      return reply.status(201).send(res as Out<typeof uploadAnswer>);
    });

    r.post('/api/v1/imports', {
      config: { permission: 'write' },
      schema: {
        tags: ['imports'],
        summary: 'Import an uploaded file with a column mapping; runs in the background (poll GET /api/v1/imports/:id)',
        body: z.strictObject({
          upload_id: id,
          mapping: mappingSchema,
          create_fields: z.array(newField).max(100).optional().describe('Custom fields to create with the import, in its transaction (a refused import creates none); map columns to them as fields.<key>'),
          list_ids: z.array(id).max(100).optional(),
          tags: z.array(z.string().max(100)).max(100).optional(),
          update_existing: z.boolean().optional(),
          source: z.string().trim().min(1).max(50).optional(),
        }),
        response: { 202: importBody },
      },
    }, async (req, reply) => reply.status(202).send((await createImport(ctx, principal(req).workspaceId, req.body)) as Out<typeof importBody>));

    r.get('/api/v1/imports', {
      schema: {
        tags: ['imports'],
        summary: 'Recent imports, newest first',
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(20), before: z.coerce.number().int().positive().optional() }),
        response: { 200: importPage },
      },
    }, async (req) => listImports(ctx.db, principal(req).workspaceId, req.query.limit, req.query.before) as Promise<Out<typeof importPage>>);

    r.get('/api/v1/imports/:id', { schema: { tags: ['imports'], summary: 'Status, progress and counters of an import', params: idParams, response: { 200: importBody } } }, async (req) =>
      getImport(ctx.db, principal(req).workspaceId, req.params.id) as Promise<Out<typeof importBody>>);

    r.get('/api/v1/imports/:id/errors', {
      schema: {
        tags: ['imports'],
        summary: 'Rejected lines in file order: [{ line, column?, reason }] (line 1 is the header)',
        params: idParams,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100), after: z.coerce.number().int().positive().optional() }),
        response: { 200: importErrors },
      },
    }, async (req) => listImportErrors(ctx.db, principal(req).workspaceId, req.params.id, req.query.limit, req.query.after));

    r.get('/api/v1/lists/:id/export', {
      schema: {
        tags: ['lists'],
        summary: 'The list members as CSV (default columns: email, first_name, last_name, joined_at)',
        params: idParams,
        querystring: z.strictObject({ fields: z.string().max(2000).optional() }),
        response: { 200: { description: 'the CSV file, with a header line', content: { 'text/csv': { schema: z.string() } } } },
      },
    }, async (req, reply) => {
      const ws = principal(req).workspaceId;
      await getList(ctx.db, ws, req.params.id);
      const requested = req.query.fields?.split(',').map((f) => f.trim()).filter(Boolean);
      const cols = await exportColumns(ctx.db, ws, requested);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="list-${req.params.id}.csv"`)
        .send(exportListCsv(ctx.db, ws, req.params.id, cols) as unknown as string); // a stream: written as it is read, never serialized
    });
  };
}
