import type { ComponentProps, InputHTMLAttributes, ReactNode, SelectHTMLAttributes } from 'react';
import { ApiError, pathNames } from '../api.ts';

/** The API's message for a field, when the error names it. */
export function fieldError(error: unknown, name: string): string | undefined {
  return error instanceof ApiError ? error.field(name) : undefined;
}

/** The API's message for exactly this path (a whole object, not one of its fields). */
export function exactError(error: unknown, path: string): string | undefined {
  return error instanceof ApiError ? error.exact(path) : undefined;
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
 * The error's message, unless every detail belongs to a field shown next to it (`fields`).
 * Details for other paths are listed here so that nothing the API said is lost.
 */
export function ErrorBanner({ error, fields = [] }: { error: unknown; fields?: string[] }) {
  if (!error) return null;
  if (!(error instanceof ApiError)) return <div className="banner error" role="alert">{String((error as Error).message ?? error)}</div>;
  const shown = (p: string) => fields.some((f) => pathNames(p, f));
  const rest = error.details.filter((d) => !shown(d.path));
  if (error.details.length > 0 && rest.length === 0) return null;
  return (
    <div className="banner error" role="alert">
      {rest.length === 0 ? error.message : rest.map((d) => <div key={d.path + d.message}>{d.path ? <code>{d.path}</code> : null} {d.message}</div>)}
    </div>
  );
}
