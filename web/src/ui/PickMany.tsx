/** Checkboxes over a set of named things (lists, segments), returning the chosen ids. */
export function PickMany<T extends string | number>({ label, items, value, onChange, empty, error }: {
  label: string;
  items: { id: T; name: string; note?: string }[];
  value: T[];
  onChange(ids: T[]): void;
  empty?: string;
  error?: string;
}) {
  const toggle = (id: T, on: boolean) => onChange(on ? [...value, id] : value.filter((x) => x !== id));
  return (
    <fieldset className={`field pick${error ? ' has-error' : ''}`} aria-label={label}>
      <legend className="field-label">{label}</legend>
      {items.length === 0 && empty && <span className="muted small">{empty}</span>}
      {items.map((i) => (
        <label key={String(i.id)} className="check">
          <input type="checkbox" aria-label={`${label}: ${i.name}`} checked={value.includes(i.id)} onChange={(e) => toggle(i.id, e.target.checked)} />
          {i.name} {i.note && <span className="muted small">{i.note}</span>}
        </label>
      ))}
      {error && <span className="field-error" role="alert">{error}</span>}
    </fieldset>
  );
}
