import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { commitHook, sql, type Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import type { Ctx } from '../context.ts';

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey?: string;
  }
}

const STALE_MS = 10 * 60_000;

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its answer is stored;
 * a retry with the same key and body gets the stored answer, with another body a 422.
 * Every transaction that commits the request's effects also marks the key applied (issue 16,
 * through the database layer's commitHook), so a crash between that commit and storing the
 * answer never lets a retry repeat the effects: it is told the request was applied and its
 * answer lost (409). A key whose first request never finished and applied nothing (a crash
 * before any commit) may be retried after ten minutes.
 */
export function registerIdempotency(server: FastifyInstance, ctx: Ctx) {
  // the handler runs with the hook that marks its key applied in each of its commits
  server.addHook('onRoute', (route) => {
    if (route.method !== 'POST' && !(Array.isArray(route.method) && route.method.includes('POST'))) return;
    const handler = route.handler;
    route.handler = function (this: unknown, req, reply) {
      const key = req.idempotencyKey;
      const ws = req.principal?.workspaceId;
      if (!key || ws === undefined) return handler.call(this as never, req, reply);
      const mark = async (tx: Queryable) => {
        await tx.query(sql`update idempotency_keys set applied_at = ${ctx.clock.now()} where workspace_id = ${ws} and key = ${key} and applied_at is null`);
      };
      return commitHook.run(mark, () => handler.call(this as never, req, reply));
    } as typeof handler;
  });
  server.addHook('preHandler', async (req, reply) => {
    const key = req.headers['idempotency-key'];
    if (req.method !== 'POST' || typeof key !== 'string' || !req.principal) return;
    if (key.length === 0 || key.length > 255) throw new AppError('validation', 'Idempotency-Key: 1 to 255 characters', [{ path: 'Idempotency-Key', message: 'invalid' }]);
    const hash = createHash('sha256').update(`${req.method} ${req.url}\n${JSON.stringify(req.body ?? null)}`).digest('hex');
    const ws = req.principal.workspaceId;
    const now = ctx.clock.now();
    const inserted = await ctx.db.query(sql`
      insert into idempotency_keys (workspace_id, key, method, path, request_hash, created_at)
      values (${ws}, ${key}, ${req.method}, ${req.url}, ${hash}, ${now})
      on conflict (workspace_id, key) do update set created_at = excluded.created_at, request_hash = excluded.request_hash
        where idempotency_keys.status_code is null and idempotency_keys.applied_at is null
          and idempotency_keys.created_at < ${new Date(now.getTime() - STALE_MS)}
      returning key`);
    if (inserted.rowCount > 0) {
      req.idempotencyKey = key;
      return;
    }
    const { rows } = await ctx.db.query<{ request_hash: string; status_code: number | null; response: string | null; applied_at: Date | null; created_at: Date }>(
      sql`select request_hash, status_code, response, applied_at, created_at from idempotency_keys where workspace_id = ${ws} and key = ${key}`,
    );
    const prior = rows[0];
    if (prior.request_hash !== hash) throw new AppError('idempotency_mismatch', 'this Idempotency-Key was used with another request', [{ path: 'Idempotency-Key', message: 'reused with a different request' }]);
    if (prior.status_code === null && prior.applied_at && prior.created_at.getTime() < now.getTime() - STALE_MS)
      throw new AppError('conflict', `the request with this Idempotency-Key was applied at ${prior.applied_at.toISOString()} but its answer was lost: it is not run again; look its result up`, [{ path: 'Idempotency-Key', message: 'applied, answer lost' }]);
    if (prior.status_code === null) throw new AppError('conflict', 'a request with this Idempotency-Key is still running', [{ path: 'Idempotency-Key', message: 'in progress' }]);
    reply.header('idempotent-replayed', 'true').header('content-type', 'application/json; charset=utf-8');
    return reply.status(prior.status_code).send(prior.response);
  });

  server.addHook('onSend', async (req, reply, payload) => {
    if (!req.idempotencyKey || !req.principal) return payload;
    const ws = req.principal.workspaceId;
    if (reply.statusCode >= 500) {
      // a failure that applied nothing may be retried at once; one that applied something may not
      await ctx.db.query(sql`delete from idempotency_keys where workspace_id = ${ws} and key = ${req.idempotencyKey} and applied_at is null`);
    } else {
      await ctx.db.query(sql`
        update idempotency_keys set status_code = ${reply.statusCode}, response = ${typeof payload === 'string' ? payload : null}
         where workspace_id = ${ws} and key = ${req.idempotencyKey}`);
    }
    return payload;
  });
}
