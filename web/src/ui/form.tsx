import type { ComponentProps, InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from 'react';
import { ApiError, pathNames } from '../api.ts';
import { errorText, fieldName } from './errorText.ts';

const dotted = (p: string) => p.replace(/\[(\d+)\]/g, '.$1');

/** The API's message for a field, in words, when the error names it. */
export function fieldError(error: unknown, name: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const d = error.details.find((x) => pathNames(x.path, name));
  return d && errorText(d.message, d.path);
}

/** The API's message for exactly this path (a whole object, not one of its fields), in words. */
export function exactError(error: unknown, path: string): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const d = error.details.find((x) => dotted(x.path) === dotted(path));
  return d && errorText(d.message, d.path);
}

/** "definition.trigger.list_ids" → "Lists": the field a detail is about, for a banner. */
function label(path: string): string {
  const n = fieldName(path);
  return n && n !== 'body' ? n[0].toUpperCase() + n.slice(1) : '';
}

export function Field({ label, error, hint, children }: { label: string; error?: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <label className={`field${error ? ' has-error' : ''}`}>
      <span className="field-label">{label}</span>
      {children}
      {hint && !error && <span className="field-hint">{hint}</span>}
      {error && <span className="field-error" role="alert">{error}</span>}
    </label>
  );
}

type InputProps = InputHTMLAttributes<HTMLInputElement> & { label: string; error?: unknown; errorPath?: string; hint?: ReactNode };

/** A labelled input showing the API error whose path names it (`errorPath`, else `name`). */
export function TextField({ label, error, errorPath, hint, ...rest }: InputProps) {
  const msg = fieldError(error, errorPath ?? rest.name ?? '');
  return (
    <Field label={label} error={msg} hint={hint}>
      <input {...rest} aria-invalid={!!msg} />
    </Field>
  );
}

export function SelectField({ label, error, errorPath, children, ...rest }: SelectHTMLAttributes<HTMLSelectElement> & { label: string; error?: unknown; errorPath?: string }) {
  const msg = fieldError(error, errorPath ?? rest.name ?? '');
  return (
    <Field label={label} error={msg}>
      <select {...rest}>{children}</select>
    </Field>
  );
}

export function TextArea({ label, error, errorPath, hint, ...rest }: ComponentProps<'textarea'> & { label: string; error?: unknown; errorPath?: string; hint?: ReactNode }) {
  const msg = fieldError(error, errorPath ?? rest.name ?? '');
  return (
    <Field label={label} error={msg} hint={hint}>
      <textarea {...rest} aria-invalid={!!msg} />
    </Field>
  );
}

/**
 * The error's message in words, unless every detail belongs to a field shown next to it
 * (`fields`). Details for other paths are listed here so that nothing the API said is lost;
 * `fix` gives a detail a way to fix it (a link or a button to the place).
 */
export function ErrorBanner({ error, fields = [], fix }: { error: unknown; fields?: string[]; fix?: (path: string) => ReactNode }) {
  if (!error) return null;
  if (!(error instanceof ApiError)) {
    const m = String((error as Error).message ?? error);
    // the browser's own text for a request that never reached the server
    const say = /failed to fetch|networkerror|load failed/i.test(m) ? 'The server cannot be reached: check the connection and try again.' : m;
    return <div className="banner error" role="alert">{say}</div>;
  }
  const shown = (p: string) => fields.some((f) => pathNames(p, f));
  const rest = error.details.filter((d) => !shown(d.path));
  if (error.details.length > 0 && rest.length === 0) return null;
  return (
    <div className="banner error" role="alert">
      {rest.length === 0 ? errorText(error.message) : rest.map((d) => {
        const l = label(d.path);
        const f = fix?.(d.path);
        return <div key={d.path + d.message}>{l && <strong>{l}: </strong>}{errorText(d.message, d.path)}{f && <span className="error-fix">{f}</span>}</div>;
      })}
    </div>
  );
}
