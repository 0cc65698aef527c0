import { lazy, Suspense, useEffect, useRef, useState } from 'react';
import { ApiError, del, patch } from '../api.ts';
import { useAction, useGet } from '../data.ts';
import { navigate } from '../router.tsx';
import { Badge, Card, Loading, PageHeader } from '../ui/bits.tsx';
import { ErrorBanner, SelectField, TextArea, TextField } from '../ui/form.tsx';
import { FieldPicker, insertAt } from './FieldPicker.tsx';
import { LanguageVersions } from './LanguageVersions.tsx';
import { PreviewPane } from './PreviewPane.tsx';
import { SaveAsTemplate } from './SaveAsTemplate.tsx';
import { useCan } from '../ui/permissions.ts';
import type { VisualHandle } from './VisualEditor.tsx';
import { ConfirmButton, ConfirmDialog } from '../ui/Confirm.tsx';

// GrapesJS and MJML weigh about two megabytes: a chunk of their own, fetched when Visual is opened
const VisualEditor = lazy(() => import('./VisualEditor.tsx'));

/** Edits an email (subject, body in HTML or MJML, text part, sender) or an SMS; each save is a new version. */
export function MessageEditor({ id }: { id: number }) {
  const write = useCan()('write');
  const base = `/api/v1/messages/${id}`;
  const q = useGet<any>(base);
  const senders = useGet<{ data: any[] }>('/api/v1/senders');
  const [name, setName] = useState('');
  const [content, setContent] = useState<Record<string, any>>({});
  const [savedAt, setSavedAt] = useState(0);
  const [lang, setLang] = useState<string | null>(null);
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const visual = useRef<VisualHandle | null>(null);
  const [mode, setMode] = useState<'visual' | 'code' | null>(null);
  const [asking, setAsking] = useState(false);
  useEffect(() => {
    if (!q.data) return;
    setName(q.data.name);
    setContent(q.data.content);
    // a message built visually reopens in the visual editor
    setMode((m) => m ?? (q.data.content?.editor ? 'visual' : 'code'));
  }, [q.data]);
  const save = useAction((b: any) => patch(base, b), [base, '/api/v1/messages'], () => setSavedAt(Date.now()));
  /** The content as shown now: a text being typed in the visual editor is merged first. */
  const current = async () => {
    if (mode !== 'visual' || !visual.current || lang) return content;
    const s = await visual.current.flush();
    const c = { ...content, format: 'mjml', body: s.body, editor: s.editor };
    setContent(c);
    return c;
  };
  const saveNow = async () => save.mutate({ name, content: await current() });
  const openVisual = () => {
    setAsking(false);
    setLang(null);
    setMode('visual');
  };
  // an HTML body cannot be imported: the visual editor starts a new MJML design (asked first)
  const toVisual = () => (content.format !== 'mjml' && content.body?.trim() ? setAsking(true) : openVisual());
  const toCode = async () => {
    await current();
    visual.current = null;
    setMode('code');
  };
  useEffect(() => {
    // an error in another language version: show that version
    const bad = save.error instanceof ApiError ? save.error.details.map((d) => /^content\.languages\.([^.]+)\./.exec(d.path)?.[1]).find(Boolean) : undefined;
    if (bad && content.languages?.[bad]) setLang(bad);
  }, [save.error]);
  const remove = useAction(() => del(base), ['/api/v1/messages'], () => navigate('/messages'));

  if (q.isLoading) return <Loading />;
  if (q.error) return <ErrorBanner error={q.error} />;
  const m = q.data;
  const email = m.channel === 'email';
  // edits go to the default version or to the selected language's version
  const set = (k: string, v: unknown) => setContent((c) => {
    const target = lang ? { ...(c.languages?.[lang] ?? {}) } : { ...c };
    target[k] = v;
    // the body typed as code no longer matches the visual document: Visual imports the MJML again
    if (!lang && (k === 'body' || k === 'format')) delete target.editor;
    if (v === '' || v === undefined) delete target[k];
    return lang ? { ...c, languages: { ...c.languages, [lang]: target } } : target;
  });
  const shown: Record<string, any> = lang ? content.languages?.[lang] ?? {} : content;
  const at = lang ? `content.languages.${lang}` : 'content';
  const inherit = lang ? 'Empty: the default version’s.' : undefined;
  const insert = (key: 'body' | 'text', tag: string) => {
    const r = insertAt(bodyRef.current, shown[key] ?? '', tag);
    set(key, r.value);
    requestAnimationFrame(() => { bodyRef.current?.focus(); bodyRef.current?.setSelectionRange(r.caret, r.caret); });
  };
  const seg = lang ? m.sms_segments?.languages?.[lang] : m.sms_segments?.default;
  const err = save.error;
  const fieldNames = ['name', 'subject', 'preheader', 'body', 'text', 'format', 'sender_id'];

  return (
    <>
      <PageHeader
        title={<>{m.name} <Badge tone={email ? 'info' : 'warn'}>{m.channel}</Badge></>}
        sub={write ? `Version ${m.version}. Saving makes a new version; queued sends keep theirs.` : `Version ${m.version}. Your role does not edit messages: preview it as any contact.`}
        actions={write && <>
          <SaveAsTemplate channel={m.channel} defaultName={m.name} read={current} />
          <ConfirmButton className="danger" question={'Delete this message?'} onConfirm={() => remove.mutate(undefined)}>Delete</ConfirmButton>
          <button className="primary" disabled={save.isPending} onClick={() => void saveNow()}>Save</button>
        </>}
      />
      <ErrorBanner error={err ?? remove.error} fields={fieldNames} />
      {savedAt > 0 && !save.isPending && !err && <div className="banner good">Saved as version {m.version}.</div>}
      {asking && <ConfirmDialog question="The visual editor writes MJML: it starts a new design that replaces this HTML body (the saved versions keep it)." confirmLabel="Start a visual design" onClose={(yes) => (yes ? openVisual() : setAsking(false))} />}
      {/* the visual editor needs the page's width: the preview goes below it */}
      <div className={mode === 'visual' && !lang && email ? 'grid' : 'grid two'}>
        <Card title="Content">
          <TextField label="Name" name="name" value={name} onChange={(e) => setName(e.target.value)} error={err} />
          <LanguageVersions content={content} lang={lang} onSelect={setLang} onContent={setContent} error={err} />
          {email ? <>
            <TextField label="Subject" name="subject" errorPath={`${at}.subject`} value={shown.subject ?? ''} placeholder={lang ? content.subject : undefined} onChange={(e) => set('subject', e.target.value)} error={err} hint={inherit} />
            <TextField label="Preheader" name="preheader" errorPath={`${at}.preheader`} value={shown.preheader ?? ''} onChange={(e) => set('preheader', e.target.value)} error={err} />
            {!lang && <div className="row">
              <SelectField label="Format" name="format" value={content.format ?? 'html'} onChange={(e) => set('format', e.target.value)} error={err}>
                <option value="html">HTML</option><option value="mjml">MJML</option>
              </SelectField>
              <SelectField label="Sender" name="sender_id" errorPath="content.sender_id" value={content.sender_id ?? ''} onChange={(e) => set('sender_id', e.target.value ? Number(e.target.value) : undefined)} error={err}>
                <option value="">Workspace default</option>
                {(senders.data?.data ?? []).map((s) => <option key={s.id} value={s.id}>{s.from_name} &lt;{s.from_email}&gt;</option>)}
              </SelectField>
            </div>}
            {!lang && <div className="wizard-steps" role="group" aria-label="Body editor" style={{ marginBottom: 6 }}>
              <button className={mode === 'visual' ? 'on' : ''} onClick={toVisual}>Visual</button>
              <button className={mode === 'code' ? 'on' : ''} onClick={() => void toCode()}>Code</button>
            </div>}
            {mode === 'visual' && !lang ? (
              <Suspense fallback={<Loading what="Loading the visual editor" />}>
                <VisualEditor
                  document={content.editor}
                  mjml={content.format === 'mjml' ? content.body : undefined}
                  onReady={(h) => { visual.current = h; }}
                  onChange={(s) => setContent((c) => ({ ...c, format: 'mjml', body: s.body, editor: s.editor }))}
                />
              </Suspense>
            ) : <>
              <div className="actions"><FieldPicker onInsert={(t) => insert('body', t)} /></div>
              <TextArea ref={bodyRef} label={content.format === 'mjml' ? 'MJML body' : 'HTML body'} name="body" errorPath={`${at}.body`} rows={16} value={shown.body ?? ''} onChange={(e) => set('body', e.target.value)} error={err} hint={inherit} />
            </>}
            <TextArea label="Text part" name="text" errorPath={`${at}.text`} rows={5} value={shown.text ?? ''} onChange={(e) => set('text', e.target.value)} error={err} hint="Leave empty to generate it from the HTML." />
          </> : <>
            <div className="actions"><FieldPicker links={false} onInsert={(t) => insert('text', t)} /></div>
            <TextArea ref={bodyRef} label="SMS text" name="text" errorPath={`${at}.text`} rows={6} value={shown.text ?? ''} onChange={(e) => set('text', e.target.value)} error={err} hint={inherit} />
            {seg && <p className="small" data-testid="sms-segments">{seg.characters} characters, {seg.encoding}: <b>{seg.segments} segment{seg.segments === 1 ? '' : 's'}</b> ({seg.per_segment} per segment){' '}<span className="muted">as saved</span></p>}
          </>}
        </Card>
        <PreviewPane id={id} channel={m.channel} version={m.version} draft={content} />
      </div>
    </>
  );
}
