import { z } from 'zod';
import { id, timestamp } from '../../http/schemas.ts';

/** What the import routes answer (issue 18: the typed contract). */
const delimiter = z.enum(['comma', 'semicolon', 'tab']);

export const uploadAnswer = z.object({
  upload_id: id,
  filename: z.string().nullable(),
  size_bytes: z.number().int(),
  row_count: z.number().int().meta({ description: 'data rows, the header line not counted' }),
  delimiter,
  columns: z.array(z.string()),
  preview: z.array(z.record(z.string(), z.string())).meta({ description: 'the first rows, column → value' }),
  suggested_mapping: z.record(z.string(), z.string()).meta({ description: 'column → field, guessed from the headers' }),
});

export const importBody = z
  .object({
    id,
    upload_id: id,
    filename: z.string().nullable(),
    delimiter: delimiter.nullable(),
    default_country: z.string().nullable().meta({ description: 'the country national phone numbers are read in (ISO 3166 alpha-2), fixed at the start' }),
    status: z.enum(['queued', 'running', 'done', 'failed']),
    mapping: z.record(z.string(), z.string()),
    list_ids: z.array(id),
    tags: z.array(z.string()),
    update_existing: z.boolean(),
    source: z.string(),
    total_bytes: z.number().int(),
    total_rows: z.number().int(),
    bytes_done: z.number().int(),
    rows_done: z.number().int(),
    progress: z.number().int().min(0).max(100).meta({ description: 'percent of the file read' }),
    created: z.number().int(),
    updated: z.number().int(),
    unchanged: z.number().int(),
    skipped: z.number().int(),
    error_count: z.number().int().meta({ description: 'rejected lines: GET /api/v1/imports/{id}/errors' }),
    error: z.string().nullable().meta({ description: 'why the import failed or is retrying' }),
    attempts: z.number().int(),
    created_at: timestamp,
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
  })
  .meta({ id: 'Import' });

export const importPage = z.object({
  data: z.array(importBody),
  next_before: id.nullable().meta({ description: 'pass as `before` for the next page; null on the last' }),
});

export const importErrors = z.object({
  data: z.array(z.object({ line: z.number().int().meta({ description: 'line 1 is the header' }), column: z.string().optional(), reason: z.string() })),
  next_after: id.nullable().meta({ description: 'pass as `after` for the next page; null on the last' }),
});
