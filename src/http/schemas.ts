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
export const ok = z.object({ ok: z.boolean().meta({ description: 'always true' }) }).meta({ id: 'Ok' });

/**
 * Building blocks of response schemas (issue 18: every answer is in the OpenAPI document).
 * A timestamp is a Date in the handler and a date-time string on the wire.
 */
export const timestamp = z.date();
/** `{ data: [...] }`, with `next_cursor` on paginated lists (pass it back as `cursor`). */
export function listOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item) });
}
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_cursor: z.string().nullable().meta({ description: 'the next page: pass as `cursor`; null on the last page' }) });
}
/** What a response schema describes, to type an untyped SQL row as it (`rows as Out<typeof x>[]`). */
export type Out<T extends z.ZodType> = z.output<T>;

/**
 * A body field documented by `schema` but checked by the handler, which knows what zod cannot
 * at this point (a message's channel, a workspace's custom fields and lists), so that the error
 * names the field at fault (`content.subject`, `criteria.all[2].value`) where a union would answer
 * one "Invalid input" at its root. The value passes through as sent.
 */
export function checkedByHandler<T extends z.ZodType>(schema: T): z.ZodType<unknown> {
  return z.preprocess((v) => v, schema.catch((c) => c.value as z.output<T>));
}
