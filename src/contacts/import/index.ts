import type { Ctx } from '../../context.ts';
import type { JobHandler } from '../../queue/index.ts';
import { IMPORT_JOB } from './imports.ts';
import { runImport } from './job.ts';

export { importRoutes } from './routes.ts';
export { storeUpload, MAX_UPLOAD_BYTES, type UploadResult } from './upload.ts';
export { createImport, getImport, listImports, listImportErrors, IMPORT_JOB, type ImportInput } from './imports.ts';
export { suggestMapping, type Mapping } from './mapping.ts';
export { runImport, BATCH_ROWS, EMBEDDED_BATCH_ROWS } from './job.ts';
export { MAX_STORED_ERRORS } from './batch.ts';

export function importJobHandlers(_ctx: Ctx): [string, JobHandler][] {
  return [[IMPORT_JOB, (job, jctx) => runImport(jctx, job)]];
}
