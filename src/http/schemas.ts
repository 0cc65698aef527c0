import { z } from 'zod';

/** Shapes shared by the routes of several modules. */
export const idParams = z.strictObject({ id: z.coerce.number().int().positive().max(2 ** 53) });
export const id = z.number().int().positive().max(2 ** 53);
export const page = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(200).optional(),
});
export const ok = z.object({ ok: z.literal(true) });
