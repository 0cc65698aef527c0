import { useGet } from '../data.ts';

const STANDARD = ['first_name', 'last_name', 'email', 'phone', 'language', 'birthday'];
const LINKS = ['unsubscribe_url', 'preferences_url', 'view_online_url'];

/** Inserts a Liquid tag ({{ contact.x }}) where the cursor is in the target textarea. */
export function FieldPicker({ onInsert, links = true }: { onInsert(tag: string): void; links?: boolean }) {
  const fields = useGet<{ data: any[] }>('/api/v1/fields');
  const options = [
    ...STANDARD.map((k) => [`{{ contact.${k} }}`, `contact.${k}`]),
    ...(fields.data?.data ?? []).map((f) => [`{{ contact.${f.key} }}`, `contact.${f.key} (${f.label ?? f.type})`]),
    ...(links ? LINKS.map((k) => [`{{ ${k} }}`, k]) : []),
    ['{{ workspace.name }}', 'workspace.name'],
  ];
  return (
    <select aria-label="Insert a field" value="" onChange={(e) => e.target.value && onInsert(e.target.value)}>
      <option value="">Insert field…</option>
      {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
    </select>
  );
}

/** Inserts text at the selection of a textarea and returns the new value. */
export function insertAt(el: HTMLTextAreaElement | HTMLInputElement | null, value: string, text: string): { value: string; caret: number } {
  const start = el?.selectionStart ?? value.length;
  const end = el?.selectionEnd ?? value.length;
  return { value: value.slice(0, start) + text + value.slice(end), caret: start + text.length };
}
