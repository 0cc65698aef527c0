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
import { MAX_UPLOAD_BYTES, storeUpload } from './upload.ts';

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

const target = z.string().min(1).max(100);

export function importRoutes(ctx: Ctx) {
  return (r: Router) => {
    // scoped to this plugin: only these routes accept text/csv
    r.addContentTypeParser(['text/csv', 'application/csv'], (_req, payload, done) => done(null, new CsvBody(payload as Readable)));

    r.post('/api/v1/imports/upload', {
      config: { permission: 'write' },
      bodyLimit: MAX_UPLOAD_BYTES,
      schema: {
        tags: ['imports'],
        summary: 'Upload a CSV file (Content-Type: text/csv, up to 200 MB): answers its columns, a preview and a suggested mapping',
        querystring: z.strictObject({ filename: z.string().max(255).optional() }),
      },
    }, async (req, reply) => {
      if (!(req.body instanceof CsvBody))
        throw new AppError('validation', 'send the file as the body with Content-Type: text/csv', [{ path: 'content-type', message: 'expected text/csv' }]);
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > MAX_UPLOAD_BYTES) throw new AppError('payload_too_large', 'the file is larger than 200 MB', [{ path: 'body', message: 'too large' }]);
      const res = await storeUpload(ctx.db, ctx.clock, principal(req).workspaceId, req.body.stream, { filename: req.query.filename });
      return reply.status(201).send(res);
    });

    r.post('/api/v1/imports', {
      config: { permission: 'write' },
      schema: {
        tags: ['imports'],
        summary: 'Import an uploaded file with a column mapping; runs in the background (poll GET /api/v1/imports/:id)',
        body: z.strictObject({
          upload_id: id,
          mapping: z.record(z.string().max(500), target),
          list_ids: z.array(id).max(100).optional(),
          tags: z.array(z.string().max(100)).max(100).optional(),
          update_existing: z.boolean().optional(),
          source: z.string().trim().min(1).max(50).optional(),
        }),
      },
    }, async (req, reply) => reply.status(202).send(await createImport(ctx, principal(req).workspaceId, req.body)));

    r.get('/api/v1/imports', {
      schema: {
        tags: ['imports'],
        summary: 'Recent imports, newest first',
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(20), before: z.coerce.number().int().positive().optional() }),
      },
    }, async (req) => listImports(ctx.db, principal(req).workspaceId, req.query.limit, req.query.before));

    r.get('/api/v1/imports/:id', { schema: { tags: ['imports'], summary: 'Status, progress and counters of an import', params: idParams } }, async (req) =>
      getImport(ctx.db, principal(req).workspaceId, req.params.id));

    r.get('/api/v1/imports/:id/errors', {
      schema: {
        tags: ['imports'],
        summary: 'Rejected lines in file order: [{ line, column?, reason }] (line 1 is the header)',
        params: idParams,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100), after: z.coerce.number().int().positive().optional() }),
      },
    }, async (req) => listImportErrors(ctx.db, principal(req).workspaceId, req.params.id, req.query.limit, req.query.after));

    r.get('/api/v1/lists/:id/export', {
      schema: {
        tags: ['lists'],
        summary: 'The list members as CSV (default columns: email, first_name, last_name, joined_at)',
        params: idParams,
        querystring: z.strictObject({ fields: z.string().max(2000).optional() }),
      },
    }, async (req, reply) => {
      const ws = principal(req).workspaceId;
      await getList(ctx.db, ws, req.params.id);
      const requested = req.query.fields?.split(',').map((f) => f.trim()).filter(Boolean);
      const cols = await exportColumns(ctx.db, ws, requested);
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="list-${req.params.id}.csv"`)
        .send(exportListCsv(ctx.db, ws, req.params.id, cols));
    });
  };
}
