import { z } from 'zod';
import type { Router } from '../http/server.ts';
import { principal } from '../http/auth.ts';
import { idParams } from '../http/schemas.ts';
import type { Ctx } from '../context.ts';
import { notFound } from '../errors.ts';
import { getJob } from './jobs.ts';

const at = z.iso.datetime();
/** A job's state as a client polls it: what a 202 answer's `job_id` points at. */
export const jobRecord = z.strictObject({
  id: z.number(),
  kind: z.string().describe('What the job does, e.g. engagement.recompute, segments.refresh'),
  status: z.enum(['queued', 'running', 'done', 'failed']).describe('queued (waiting for its time, or to be retried after an error), running, done or failed (for good)'),
  attempts: z.number().describe('Runs started so far'),
  max_attempts: z.number().describe('Runs it gets before it fails for good'),
  // z.unknown() already admits null: `.nullable()` would write an `anyOf` with an empty schema
  progress: z.unknown().describe("The job's last checkpoint, when it records one (its shape depends on the kind); null when none"),
  result: z.unknown().describe('What a finished job reported (its shape depends on the kind); null until then'),
  error: z.string().nullable().describe('The last error; with status queued, the job is retried at run_at'),
  created_at: at,
  run_at: at.describe('When it runs (queued), or when its latest run was due'),
  started_at: at.nullable().describe('When its latest run started'),
  finished_at: at.nullable().describe('When it ended (done or failed); null before'),
});

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** GET /api/v1/jobs/:id: the status of background work started by a request (a 202's job_id). */
export function jobRoutes(ctx: Ctx) {
  return (r: Router) => {
    r.get('/api/v1/jobs/:id', {
      schema: {
        tags: ['jobs'],
        summary: "A background job's status, progress, result or error (the job_id of a 202 answer); only the workspace's own jobs",
        params: idParams,
        response: { 200: jobRecord },
      },
    }, async (req) => {
      const j = await getJob(ctx.db, principal(req).workspaceId, req.params.id);
      if (!j) throw notFound('job');
      return {
        id: Number(j.id),
        kind: j.kind,
        status: j.status,
        attempts: j.attempts,
        max_attempts: j.max_attempts,
        progress: j.progress ?? null,
        result: j.result ?? null,
        error: j.last_error ?? null,
        created_at: iso(j.created_at)!,
        run_at: iso(j.run_at)!,
        started_at: iso(j.started_at),
        finished_at: iso(j.finished_at),
      };
    });
  };
}
