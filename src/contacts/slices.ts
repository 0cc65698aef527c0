import { sql, type Db, type Queryable } from '../db/index.ts';

/** Contacts whose ids lie from `from` to `to`, both included. */
export interface ContactRange {
  from: number;
  to: number;
}

export const ALL_CONTACTS: ContactRange = { from: 0, to: Number.MAX_SAFE_INTEGER };

/**
 * Contacts per transaction for set-based work over a whole workspace on the embedded database,
 * which runs one transaction at a time: a statement over 200,000 contacts there held every
 * request for seconds (O-1). Measured at 200,000 demo contacts: an engagement slice of 5,000
 * held it 210–270 ms; 2,000 keep each one near 100 ms (issue 15).
 */
export const EMBEDDED_SLICE = 2_000;

/**
 * The workspace's contacts in slices of id ranges of `size` contacts each (the last one open-
 * ended, so it also takes contacts created meanwhile); one range covering everything on
 * PostgreSQL, which serves other sessions while a long statement runs.
 */
export async function* contactSlices(db: Db | Queryable, ws: number, size = EMBEDDED_SLICE): AsyncGenerator<ContactRange> {
  if ('kind' in db && db.kind === 'postgres') return yield ALL_CONTACTS;
  let after = 0;
  for (;;) {
    const { rows } = await db.query<{ id: number }>(sql`
      select id from contacts where workspace_id = ${ws} and id > ${after} order by id offset ${size - 1} limit 1`);
    const to = rows[0]?.id ?? ALL_CONTACTS.to;
    yield { from: after + 1, to };
    if (to === ALL_CONTACTS.to) return;
    after = to;
  }
}
