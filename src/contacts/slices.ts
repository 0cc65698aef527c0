import { sql, type Db, type Queryable } from '../db/index.ts';

/** Contacts whose ids lie from `from` to `to`, both included. */
export interface ContactRange {
  from: number;
  to: number;
}

export const ALL_CONTACTS: ContactRange = { from: 0, to: Number.MAX_SAFE_INTEGER };

/**
 * Contacts in the first slice for set-based work over a whole workspace on the embedded database,
 * which runs one transaction at a time: a statement over 200,000 contacts there held every
 * request for seconds (O-1). Measured at 200,000 demo contacts: an engagement slice of 5,000
 * held it 210–270 ms; 2,000 keep each one near 100 ms (issue 15). Later slices are sized by how
 * long the caller's work on the earlier ones took (SLICE_TARGET_MS).
 */
export const EMBEDDED_SLICE = 2_000;

/**
 * How long one slice's work should hold the embedded database: API requests wait behind it. A
 * fixed count did not hold: at 200,000 contacts a segment refresh's 2,000-contact slice took
 * 870 ms and a demo slice of events 1.2 s, as the tables grew past the database's buffers.
 */
const SLICE_TARGET_MS = 100;
// Not lower: a segment refresh's statement costs 500-900 ms at 200,000 contacts however few
// contacts its slice holds (a first slice of 250 measured 886 ms): its cost is not per contact,
// and smaller slices would only run it more often.
const MIN_SLICE = 1_000;
const MAX_SLICE = 50_000;

/**
 * The workspace's contacts in slices of id ranges (the last one open-ended, so it also takes
 * contacts created meanwhile); one range covering everything on PostgreSQL, which serves other
 * sessions while a long statement runs. On the embedded database the first slice has `size`
 * contacts and each next one as many as the work on the last one suggests for SLICE_TARGET_MS.
 */
export async function* contactSlices(db: Db | Queryable, ws: number, size = EMBEDDED_SLICE): AsyncGenerator<ContactRange> {
  if ('kind' in db && db.kind === 'postgres') return yield ALL_CONTACTS;
  let after = 0;
  let n = size;
  for (;;) {
    const { rows } = await db.query<{ id: number }>(sql`
      select id from contacts where workspace_id = ${ws} and id > ${after} order by id offset ${n - 1} limit 1`);
    const to = rows[0]?.id ?? ALL_CONTACTS.to;
    // the caller works on the slice between this yield and the next call: that time (the work's,
    // not the domain's clock) sizes the next slice, at most doubling it
    const started = performance.now();
    yield { from: after + 1, to };
    if (to === ALL_CONTACTS.to) return;
    const ms = Math.max(1, performance.now() - started);
    n = Math.round(Math.min(MAX_SLICE, n * 2, Math.max(MIN_SLICE, (n * SLICE_TARGET_MS) / ms)));
    after = to;
  }
}
