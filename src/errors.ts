/** One error type for the whole domain, mapped to HTTP at the edge (src/http/errors.ts). */
export type ErrorCode =
  | 'validation'
  | 'invalid_json'
  | 'unauthenticated'
  | 'forbidden'
  | 'csrf'
  | 'not_found'
  | 'conflict'
  | 'idempotency_mismatch'
  | 'payload_too_large'
  | 'rate_limited'
  | 'unprocessable';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  validation: 400,
  invalid_json: 400,
  unauthenticated: 401,
  forbidden: 403,
  csrf: 403,
  not_found: 404,
  conflict: 409,
  idempotency_mismatch: 422,
  payload_too_large: 413,
  rate_limited: 429,
  unprocessable: 422,
};

export interface ErrorDetail {
  path: string;
  message: string;
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);

export const invalid = (path: string, message: string) =>
  new AppError('validation', `${path}: ${message}`, [{ path, message }]);
