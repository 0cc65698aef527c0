import { z } from 'zod';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { idParams, listOf, ok, timestamp } from '../http/schemas.ts';
import { noBody } from '../http/contract.ts';
import type { Ctx } from '../context.ts';
import { AppError } from '../errors.ts';
import { addImage, deleteImage, listImages, readImage, MAX_IMAGE_BYTES } from './media.ts';

const mediaItem = z.object({
  id: z.number(),
  url: z.string().meta({ description: 'public address: PUBLIC_URL/media/<unguessable token>/<filename>' }),
  filename: z.string().meta({ description: 'its name in the URL (URL-safe, with the extension of its real type)' }),
  content_type: z.enum(['image/png', 'image/jpeg', 'image/gif', 'image/webp']),
  size: z.number().meta({ description: 'bytes' }),
  created_at: timestamp,
}).meta({ id: 'MediaItem', description: 'An uploaded image of the workspace library.' });

/** Who may see a served image: nobody's script, no plugin, no framing of anything else. */
const SERVED_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

export function mediaRoutes(ctx: Ctx) {
  return (r: Router) => {
    // scoped to this plugin: the upload takes the file itself as the body, whatever its type says
    r.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_IMAGE_BYTES }, (_req, body, done) => done(null, body));

    r.post('/api/v1/media', {
      config: { permission: 'write' },
      bodyLimit: MAX_IMAGE_BYTES,
      schema: {
        tags: ['media'],
        summary: 'Upload an image for emails: the file is the body (e.g. Content-Type: image/png), up to 5 MB; PNG, JPEG, GIF or WebP, read from its bytes (SVG is refused)',
        querystring: z.strictObject({ filename: z.string().max(200).optional().meta({ description: 'its name in the public URL (made URL-safe; the extension follows the real type)' }) }),
        response: { 201: mediaItem },
      },
      errorHandler(err, _req, reply) {
        // the body limit is hit before the handler: say what the limit is
        if ((err as { code?: string }).code === 'FST_ERR_CTP_BODY_TOO_LARGE')
          throw new AppError('payload_too_large', `an image is at most ${MAX_IMAGE_BYTES / 1024 / 1024} MB`, [{ path: 'body', message: 'too large' }]);
        throw err;
      },
    }, async (req, reply) => {
      const data = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const filename = req.query.filename ?? headerName(req.headers['x-filename']);
      const p = principal(req);
      return reply.status(201).send(await addImage(ctx.db, ctx.clock, ctx.config.publicUrl, p.workspaceId, { data, filename }, p.userId));
    });

    r.get('/api/v1/media', {
      schema: {
        tags: ['media'],
        summary: "The workspace's image library, newest first",
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100), before: z.coerce.number().int().positive().max(2 ** 53).optional() }),
        response: { 200: listOf(mediaItem) },
      },
    }, async (req) => ({ data: await listImages(ctx.db, ctx.config.publicUrl, principal(req).workspaceId, req.query) }));

    r.delete('/api/v1/media/:id', {
      config: { permission: 'write' },
      schema: { tags: ['media'], summary: 'Delete an image: emails that show it lose it', params: idParams, response: { 200: ok } },
    }, async (req) => {
      await deleteImage(ctx.db, principal(req).workspaceId, req.params.id);
      return { ok: true };
    });

    r.get('/media/:token/:filename', {
      config: { permission: 'public' },
      schema: {
        tags: ['media'],
        summary: 'An uploaded image, public (emails show it): cached for a year, never sniffed as another type',
        params: z.strictObject({ token: z.string().max(64), filename: z.string().max(120) }),
        response: { 200: noBody('the image bytes, with their type') },
      },
    }, async (req, reply) => {
      const image = await readImage(ctx.db, req.params.token, req.params.filename);
      if (!image) throw new AppError('not_found', 'image not found');
      return reply
        .header('content-type', image.type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('etag', `"${image.sha256}"`)
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', SERVED_CSP)
        .header('content-disposition', `inline; filename="${req.params.filename}"`)
        .send(image.data);
    });
  };
}

function headerName(h: string | string[] | undefined): string | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  try {
    return decodeURIComponent(v).slice(0, 200);
  } catch {
    return v.slice(0, 200);
  }
}
