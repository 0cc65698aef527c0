import { z } from 'zod';

/** Shapes shared by the routes of several modules. */
export const idParams = z.strictObject({ id: z.coerce.number().int().positive().max(2 ** 53) });
export const id = z.number().int().positive().max(2 ** 53);
/** A version number of a message or journey (an int column). */
export const version = z.number().int().positive().max(2 ** 31 - 1);
export const versionQuery = z.strictObject({ version: z.coerce.number().int().positive().max(2 ** 31 - 1).optional() });
export const page = z.strictObject({
  limit: z.coerce.number().int().min(1).max(1000).default(50),
  cursor: z.string().max(200).optional(),
});
export const ok = z.object({ ok: z.literal(true) });
