import { useEffect, useRef, useState, type FormEvent } from 'react';
import { post } from '../api.ts';
import { useAction } from '../data.ts';
import { Link } from '../router.tsx';
import { ErrorBanner, TextField } from '../ui/form.tsx';

/**
 * "Save as template" (M-7): the message as it is now in the editor (saved or not, the visual
 * editor's document included) kept in the workspace's gallery under a name of its own.
 * `read` answers the current content (it ends a text edit in progress first).
 */
export function SaveAsTemplate({ channel, defaultName, read }: { channel: string; defaultName: string; read(): Promise<Record<string, unknown>> }) {
  const [open, setOpen] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);
  return (
    <>
      <button type="button" onClick={() => { setSaved(null); setOpen(true); }}>Save as template</button>
      {open && <SaveDialog channel={channel} defaultName={defaultName} read={read} onClose={(name) => { setOpen(false); setSaved(name); }} />}
      {saved && <span className="small" role="status" data-testid="template-saved">Template “{saved}” saved. <Link to="/templates">See the gallery</Link></span>}
    </>
  );
}

function SaveDialog({ channel, defaultName, read, onClose }: { channel: string; defaultName: string; read(): Promise<Record<string, unknown>>; onClose(saved: string | null): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const [name, setName] = useState(defaultName);
  const save = useAction(async (n: string) => post('/api/v1/templates', { name: n, channel, content: await read() }), ['/api/v1/templates'], (_r, n) => onClose(n.trim()));
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate(name);
  };
  return (
    <dialog ref={ref} className="confirm" aria-label="Save as template" onCancel={(e) => { e.preventDefault(); onClose(null); }}>
      <form onSubmit={submit}>
        <p>The message as it is now, with its design, goes to this workspace’s template gallery; the message itself is not changed.</p>
        <ErrorBanner error={save.error} fields={['name']} />
        <TextField label="Template name" name="name" value={name} autoFocus onChange={(e) => setName(e.target.value)} error={save.error} />
        <div className="actions">
          <button type="button" onClick={() => onClose(null)}>Cancel</button>
          <button className="primary" disabled={save.isPending}>Save template</button>
        </div>
      </form>
    </dialog>
  );
}
