import { Readable, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import { sql, type Queryable } from '../db/index.ts';
import { AppError } from '../errors.ts';
import { loadFieldDefs } from './fields.ts';
import { STANDARD_FIELDS } from './validate.ts';

export const DEFAULT_EXPORT_FIELDS = ['email', 'first_name', 'last_name', 'joined_at'];
// contact columns an export may name besides the standard fields; joined_at is the date added to the list
const META = ['id', 'key', 'email_status', 'sms_status', 'created_at', 'updated_at', 'joined_at'];
const COLUMNS = new Set<string>([...STANDARD_FIELDS, ...META]);
const PAGE = 2000;

export interface ExportColumn {
  header: string;
  /** A contact column (or joined_at), or a custom field key when `custom`. */
  name: string;
  custom: boolean;
}

/** Resolves requested names (standard, `fields.key` or a bare custom key); unknown ones → 400 naming them. */
export async function exportColumns(q: Queryable, workspaceId: number, requested?: string[]): Promise<ExportColumn[]> {
  const names = requested && requested.length ? requested : DEFAULT_EXPORT_FIELDS;
  const defs = await loadFieldDefs(q, workspaceId);
  const unknown: string[] = [];
  const cols = names.map((n): ExportColumn => {
    if (COLUMNS.has(n)) return { header: n, name: n, custom: false };
    const key = n.startsWith('fields.') ? n.slice(7) : n;
    if (!defs.has(key)) unknown.push(n);
    return { header: key, name: key, custom: true };
  });
  if (unknown.length)
    throw new AppError('validation', `fields: unknown field "${unknown[0]}"`, unknown.map((u) => ({ path: 'fields', message: `unknown field "${u}"` })));
  return cols;
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/**
 * The members of a list as CSV, streamed: pages of 2,000 rows by keyset on the membership key,
 * fetched only as fast as the reader consumes them, so memory does not grow with the list.
 */
export function exportListCsv(q: Queryable, workspaceId: number, listId: number, cols: ExportColumn[]): Readable {
  const pick = sql.join(
    // birthday as text: the drivers disagree on how a date column comes back
    [...new Set(cols.filter((c) => !c.custom && c.name !== 'joined_at').map((c) => c.name))].map((n) =>
      n === 'birthday' ? sql`c.birthday::text as birthday` : sql`c.${sql.raw(n)}`,
    ),
  );
  const hasContactCols = cols.some((c) => !c.custom && c.name !== 'joined_at');
  async function* rows() {
    let after = 0;
    for (;;) {
      const { rows: page } = await q.query<Record<string, any>>(sql`
        select m.contact_id, m.joined_at, c.fields ${hasContactCols ? sql`, ${pick}` : sql``}
          from list_members m
          join contacts c on c.workspace_id = m.workspace_id and c.id = m.contact_id
         where m.workspace_id = ${workspaceId} and m.list_id = ${listId} and m.contact_id > ${after}
         order by m.contact_id
         limit ${PAGE}`);
      for (const r of page) yield cols.map((c) => cell(c.custom ? r.fields?.[c.name] : r[c.name]));
      if (page.length < PAGE) return;
      after = page[page.length - 1].contact_id;
    }
  }
  const out = stringify({ header: true, columns: cols.map((c) => c.header) });
  pipeline(Readable.from(rows()), out, () => {});
  return out;
}
