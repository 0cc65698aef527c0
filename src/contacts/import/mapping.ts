import { AppError, type ErrorDetail } from '../../errors.ts';
import { checkTag } from '../tags.ts';
import { normalizeContact, uniqueKeyOf, STANDARD_FIELDS, type ContactRules, type ContactValues, type FieldDef, type StandardField } from '../validate.ts';

/**
 * CSV column name → 'email' | 'first_name' | … | 'fields.<key>' | 'tags' | 'ignore'.
 * Column names are the file's, so any string: only own keys are read (a column may be called
 * constructor or __proto__), and objects of this type are built with Object.fromEntries.
 */
export type Mapping = Record<string, string>;

/** The target of a column whose cells list the row's tags, split on commas and semicolons. */
export const TAGS_TARGET = 'tags';

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
const targetOf = (mapping: Mapping, column: string): string | undefined => {
  const t = Object.hasOwn(mapping, column) ? mapping[column] : undefined;
  return typeof t === 'string' ? t : undefined;
};

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
const TAG_ALIASES = ['tags', 'tag', 'labels', 'etiquettes', 'etiquette'];
const squash = (s: string) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]/g, '');

/** A first guess at the mapping, from header names: standard fields, then custom field keys. */
export function suggestMapping(columns: string[], defs: Map<string, FieldDef>): Mapping {
  const taken = new Set<string>();
  const out: [string, string][] = [];
  for (const col of columns) {
    const s = squash(col.startsWith('fields.') ? col.slice(7) : col);
    let target = 'ignore';
    const std = STANDARD_FIELDS.find((f) => ALIASES[f].includes(s));
    if (std) target = std;
    else if (TAG_ALIASES.includes(s)) target = TAGS_TARGET;
    else {
      const def = [...defs.keys()].find((k) => squash(k) === s);
      if (def) target = `fields.${def}`;
    }
    if (target !== 'ignore' && taken.has(target)) target = 'ignore';
    taken.add(target);
    out.push([col, target]);
  }
  return Object.fromEntries(out);
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
    if (typeof target !== 'string') {
      errors.push({ path, message: 'expected a field name' });
      continue;
    }
    if (target === 'ignore') continue;
    if (target.startsWith('fields.')) {
      if (!defs.has(target.slice(7))) errors.push({ path, message: `no custom field "${target.slice(7)}" (create it first, or name it in create_fields)` });
    } else if (!STANDARD.has(target) && target !== TAGS_TARGET) {
      errors.push({ path, message: `unknown field "${target}": use one of ${STANDARD_FIELDS.join(', ')}, fields.<custom key>, tags or ignore` });
    }
    const prior = used.get(target);
    if (prior !== undefined) errors.push({ path, message: `"${target}" is already mapped from column "${prior}"` });
    else used.set(target, col);
  }
  const keyTarget = uniqueKey === 'email' ? 'email' : `fields.${uniqueKey}`;
  if (!used.has(keyTarget)) errors.push({ path: 'mapping', message: `map a column to ${keyTarget}: it is this workspace's unique key` });
  return errors;
}

/** The columns mapped to contact fields (standard or custom), in file order. */
export function mappedColumns(mapping: Mapping, columns: string[]): MappedColumn[] {
  const out: MappedColumn[] = [];
  columns.forEach((column, index) => {
    const target = targetOf(mapping, column);
    if (!target || target === 'ignore' || target === TAGS_TARGET) return;
    const custom = target.startsWith('fields.');
    out.push({ index, column, field: custom ? target.slice(7) : target, custom });
  });
  return out;
}

/** The column mapped to per-row tags, if any. */
export function tagsColumn(mapping: Mapping, columns: string[]): { index: number; column: string } | null {
  const index = columns.findIndex((c) => targetOf(mapping, c) === TAGS_TARGET);
  return index < 0 ? null : { index, column: columns[index] };
}

/** A cell of the tags column: tags separated by commas or semicolons, each once. */
export function splitTags(cell: string): { tags: string[] } | { error: string } {
  const tags = new Set<string>();
  for (const part of cell.split(/[,;]/)) {
    if (!part.trim()) continue;
    try {
      tags.add(checkTag(part));
    } catch (err) {
      if (err instanceof AppError) return { error: `${err.details[0]?.message ?? err.message}: ${JSON.stringify(part.trim().slice(0, 40))}` };
      throw err;
    }
  }
  return { tags: [...tags] };
}

/** How the rows of one file are read: its width, the mapped columns and what they are checked against. */
export interface RowShape {
  width: number;
  cols: MappedColumn[];
  tags?: { index: number; column: string } | null;
  defs: Map<string, FieldDef>;
  uniqueKey: string;
  rules?: ContactRules;
}

/**
 * Turns one CSV record into normalised contact values through the shared validator, and the
 * tags of its tags column. Empty cells are left out, so an import never blanks a value already stored.
 */
export function rowToContact(fields: string[], shape: RowShape): { key: string; values: ContactValues; tags?: string[] } | { problems: RowProblem[] } {
  const { width, cols, defs, uniqueKey } = shape;
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
  let tags: string[] | undefined;
  if (shape.tags) {
    const cell = fields[shape.tags.index] ?? '';
    if (cell.includes('\u0000') || cell.includes('\uFFFD')) return { problems: [{ column: shape.tags.column, reason: 'not valid UTF-8 text, or a NUL character' }] };
    const r = splitTags(cell);
    if ('error' in r) return { problems: [{ column: shape.tags.column, reason: r.error }] };
    tags = r.tags;
  }
  const { values, errors } = normalizeContact(input, defs, '', shape.rules);
  if (errors.length) {
    const byPath = new Map(cols.map((c) => [c.custom ? `fields.${c.field}` : c.field, c.column]));
    return { problems: errors.map((e) => ({ column: byPath.get(e.path), reason: e.message })) };
  }
  const key = uniqueKeyOf(uniqueKey, values);
  if (key === null) {
    const col = cols.find((c) => (uniqueKey === 'email' ? !c.custom && c.field === 'email' : c.custom && c.field === uniqueKey));
    return { problems: [{ column: col?.column, reason: `empty ${uniqueKey}: it is this workspace's unique key` }] };
  }
  return tags ? { key, values, tags } : { key, values };
}
