import type { ErrorDetail } from '../../errors.ts';
import { normalizeContact, uniqueKeyOf, STANDARD_FIELDS, type ContactValues, type FieldDef, type StandardField } from '../validate.ts';

/** CSV column name → 'email' | 'first_name' | … | 'fields.<key>' | 'ignore'. */
export type Mapping = Record<string, string>;

export interface MappedColumn {
  index: number;
  column: string;
  /** A standard field, or a custom field key when `custom`. */
  field: string;
  custom: boolean;
}

export interface RowProblem {
  column?: string;
  reason: string;
}

const STANDARD = new Set<string>(STANDARD_FIELDS);

// Header spellings seen in exports of other tools, compared without case, spaces or punctuation.
const ALIASES: Record<StandardField, string[]> = {
  email: ['email', 'emailaddress', 'mail', 'courriel', 'adressemail', 'adresseemail'],
  phone: ['phone', 'phonenumber', 'mobile', 'mobilephone', 'cellphone', 'telephone', 'tel', 'sms'],
  first_name: ['firstname', 'givenname', 'forename', 'prenom', 'first'],
  last_name: ['lastname', 'surname', 'familyname', 'nom', 'last'],
  language: ['language', 'lang', 'locale', 'langue'],
  timezone: ['timezone', 'tz', 'zone'],
  birthday: ['birthday', 'birthdate', 'dateofbirth', 'dob', 'datedenaissance'],
};
const squash = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '');

/** A first guess at the mapping, from header names: standard fields, then custom field keys. */
export function suggestMapping(columns: string[], defs: Map<string, FieldDef>): Mapping {
  const taken = new Set<string>();
  const out: Mapping = {};
  for (const col of columns) {
    const s = squash(col.startsWith('fields.') ? col.slice(7) : col);
    let target = 'ignore';
    const std = STANDARD_FIELDS.find((f) => ALIASES[f].includes(s));
    if (std) target = std;
    else {
      const def = [...defs.keys()].find((k) => squash(k) === s);
      if (def) target = `fields.${def}`;
    }
    if (target !== 'ignore' && taken.has(target)) target = 'ignore';
    taken.add(target);
    out[col] = target;
  }
  return out;
}

/**
 * Checks a mapping against the file's header, the custom fields and the workspace's unique key.
 * Returns problems with their paths (`mapping.<column>`), empty when the mapping is usable.
 */
export function checkMapping(mapping: Mapping, columns: string[], defs: Map<string, FieldDef>, uniqueKey: string): ErrorDetail[] {
  const errors: ErrorDetail[] = [];
  const header = new Set(columns);
  const used = new Map<string, string>();
  for (const [col, target] of Object.entries(mapping)) {
    const path = `mapping.${col}`;
    if (!header.has(col)) errors.push({ path, message: 'no such column in the file' });
    if (target === 'ignore') continue;
    if (target.startsWith('fields.')) {
      if (!defs.has(target.slice(7))) errors.push({ path, message: `no custom field "${target.slice(7)}" (create it first)` });
    } else if (!STANDARD.has(target)) {
      errors.push({ path, message: `unknown field "${target}": use one of ${STANDARD_FIELDS.join(', ')}, fields.<custom key> or ignore` });
    }
    const prior = used.get(target);
    if (prior !== undefined) errors.push({ path, message: `"${target}" is already mapped from column "${prior}"` });
    else used.set(target, col);
  }
  const keyTarget = uniqueKey === 'email' ? 'email' : `fields.${uniqueKey}`;
  if (!used.has(keyTarget)) errors.push({ path: 'mapping', message: `map a column to ${keyTarget}: it is this workspace's unique key` });
  return errors;
}

export function mappedColumns(mapping: Mapping, columns: string[]): MappedColumn[] {
  const out: MappedColumn[] = [];
  columns.forEach((column, index) => {
    const target = mapping[column];
    if (!target || target === 'ignore') return;
    const custom = target.startsWith('fields.');
    out.push({ index, column, field: custom ? target.slice(7) : target, custom });
  });
  return out;
}

/**
 * Turns one CSV record into normalised contact values through the shared validator.
 * Empty cells are left out, so an import never blanks a value already stored.
 */
export function rowToContact(
  fields: string[],
  width: number,
  cols: MappedColumn[],
  defs: Map<string, FieldDef>,
  uniqueKey: string,
): { key: string; values: ContactValues } | { problems: RowProblem[] } {
  if (fields.length !== width) return { problems: [{ reason: `expected ${width} fields, found ${fields.length}` }] };
  const input: ContactValues = {};
  let custom: Record<string, unknown> | undefined;
  for (const c of cols) {
    const v = fields[c.index];
    if (v === '' || v === undefined) continue;
    // a NUL cannot be stored; U+FFFD is what the parser made of bytes that are not UTF-8
    if (v.includes('\u0000')) return { problems: [{ column: c.column, reason: 'contains a NUL character' }] };
    if (v.includes('\uFFFD')) return { problems: [{ column: c.column, reason: 'not valid UTF-8 text (a Latin-1 or Windows-1252 file? save it as UTF-8)' }] };
    if (c.custom) (custom ??= {})[c.field] = v;
    else input[c.field as StandardField] = v;
  }
  if (custom) input.fields = custom;
  const { values, errors } = normalizeContact(input, defs);
  if (errors.length) {
    const byPath = new Map(cols.map((c) => [c.custom ? `fields.${c.field}` : c.field, c.column]));
    return { problems: errors.map((e) => ({ column: byPath.get(e.path), reason: e.message })) };
  }
  const key = uniqueKeyOf(uniqueKey, values);
  if (key === null) {
    const col = cols.find((c) => (uniqueKey === 'email' ? !c.custom && c.field === 'email' : c.custom && c.field === uniqueKey));
    return { problems: [{ column: col?.column, reason: `empty ${uniqueKey}: it is this workspace's unique key` }] };
  }
  return { key, values };
}
