/** A tiny client for the Parcours API: JSON in and out, the CSRF header on mutations, errors by field. */
export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }

  /** The message for a field: details whose path is the field or ends with it (`content.body` → `body`). */
  field(name: string): string | undefined {
    return this.details.find((x) => pathNames(x.path, name))?.message;
  }

  /** The message for exactly this path (not its parts). */
  exact(path: string): string | undefined {
    return this.details.find((x) => dotted(x.path) === dotted(path))?.message;
  }
}

/** `a[0].b` and `a.0.b` are the same path (zod and hand-written checks differ). */
const dotted = (p: string) => p.replace(/\[(\d+)\]/g, '.$1');

/** Whether an error path names a field: the field itself, one of its parts, or it ends with it. */
export function pathNames(path: string, name: string): boolean {
  const p = dotted(path);
  const n = dotted(name);
  return p === n || p.endsWith(`.${n}`) || p.startsWith(`${n}.`);
}

let csrfToken: string | null = null;
export function setCsrfToken(token: string | null) {
  csrfToken = token;
}

let onUnauthenticated: () => void = () => {};
export function whenUnauthenticated(fn: () => void) {
  onUnauthenticated = fn;
}

export async function api<T = any>(method: string, path: string, body?: unknown, opts: { contentType?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let payload: BodyInit | undefined;
  if (body !== undefined) {
    headers['content-type'] = opts.contentType ?? 'application/json';
    payload = typeof body === 'string' || body instanceof Blob ? body : JSON.stringify(body);
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  const text = await res.text();
  const data = text && (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text;
  if (!res.ok) {
    const e = data?.error ?? {};
    if (res.status === 401 && !path.endsWith('/auth/login')) onUnauthenticated();
    throw new ApiError(res.status, e.code ?? 'http', e.message ?? `HTTP ${res.status}`, e.details ?? []);
  }
  return data as T;
}

export const get = <T = any>(path: string) => api<T>('GET', path);
export const post = <T = any>(path: string, body: unknown = {}) => api<T>('POST', path, body);
export const patch = <T = any>(path: string, body: unknown) => api<T>('PATCH', path, body);
export const put = <T = any>(path: string, body: unknown) => api<T>('PUT', path, body);
export const del = <T = any>(path: string) => api<T>('DELETE', path);

/** Builds a query string from the defined values only. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') s.set(k, String(v));
  const out = s.toString();
  return out ? `?${out}` : '';
}
