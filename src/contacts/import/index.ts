// placeholder while the import module is written (replaced in the same session)
import type { Ctx } from '../../context.ts';
import type { JobHandler } from '../../queue/index.ts';
import type { Router } from '../../http/server.ts';
export function importJobHandlers(_ctx: Ctx): [string, JobHandler][] {
  return [];
}
export function importRoutes(_ctx: Ctx) {
  return (_r: Router) => {};
}
