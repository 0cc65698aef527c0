/**
 * The drag-and-drop email editor (issue 19): GrapesJS with grapesjs-mjml. Chosen because it is
 * the editor Mautic ships, it is maintained, and its plugin writes MJML, which our renderer
 * compiles (`format: 'mjml'`) exactly as it compiles MJML typed by hand: what the editor shows
 * is what is sent. Loaded only on the message page (React.lazy: a chunk of its own). Nothing is
 * fetched from elsewhere: no icon font (cssIcons off), no Google font (MJML fonts off), no
 * remote placeholder images, no storage: the document is saved with the message version.
 */
import { useEffect, useRef, useState } from 'react';
import grapesjs, { type Editor } from 'grapesjs';
import mjmlModule from 'grapesjs-mjml';
import 'grapesjs/dist/css/grapes.min.css';
import './visual-editor.css';
import { api, get } from '../api.ts';
import { FieldPicker } from './FieldPicker.tsx';
import { addParcoursBlocks, IMAGE_PLACEHOLDER, MJML_BLOCKS, STARTER_MJML } from './visual-blocks.ts';

// the plugin is a UMD bundle: its default export may arrive wrapped once more
const mjml = ((mjmlModule as unknown as { default?: typeof mjmlModule }).default ?? mjmlModule) as typeof mjmlModule;

export interface EditorDocument {
  kind: 'grapesjs';
  version: string;
  project: Record<string, unknown>;
}

/** What the message editor holds of the visual editor: read what it shows now. */
export interface VisualHandle {
  /** Ends a text edit in progress and answers the MJML and the editor document. */
  flush(): Promise<{ body: string; editor: EditorDocument }>;
}

interface Props {
  /** The saved editor document, else the MJML to import, else a starting design. */
  document?: EditorDocument;
  mjml?: string;
  onChange(next: { body: string; editor: EditorDocument }): void;
  onReady(handle: VisualHandle): void;
}

async function uploadImages(editor: Editor, files: FileList | File[]) {
  for (const file of Array.from(files)) {
    const item = await api<{ url: string; filename: string }>('POST', `/api/v1/media?filename=${encodeURIComponent(file.name)}`, file, { contentType: file.type || 'application/octet-stream' });
    editor.Assets.add({ src: item.url, name: item.filename, type: 'image' });
  }
}

/** A text being typed in lives in the canvas until it is merged into the document. */
async function syncEditing(e: Editor) {
  const view = e.getEditing()?.getView() as { syncContent?(): Promise<void> } | undefined;
  await view?.syncContent?.();
}

export default function VisualEditor({ document: doc, mjml: source, onChange, onReady }: Props) {
  const canvas = useRef<HTMLDivElement>(null);
  const blocks = useRef<HTMLDivElement>(null);
  const traits = useRef<HTMLDivElement>(null);
  const styles = useRef<HTMLDivElement>(null);
  const [editor, setEditor] = useState<Editor | null>(null);
  const caret = useRef<Range | null>(null);
  const caretDocs = useRef(new WeakSet<Document>()).current;
  const [device, setDevice] = useState<'desktop' | 'mobile'>('desktop');
  const [uploadError, setUploadError] = useState('');
  const change = useRef(onChange);
  change.current = onChange;

  useEffect(() => {
    const e = grapesjs.init({
      container: canvas.current!,
      height: '640px',
      fromElement: false,
      storageManager: false,
      telemetry: false, // GrapesJS would report to app.grapesjs.com
      // the head (title, default attributes) is not content: its mj-text/mj-button defaults would show as blocks
      canvasCss: 'mj-head { display: none !important; }',
      // Ctrl+Z works unless a field has the focus: the page's <main> (tabindex -1, the skip link's
      // target) takes it on any click beside the canvas, and GrapesJS counted it as a field
      canvas: { notTextable: ['button', 'a', 'input[type=checkbox]', 'input[type=radio]', '[tabindex="-1"]', '.visual-editor *:not(input):not(select):not(textarea):not([contenteditable])'] },
      cssIcons: '', // no Font Awesome from a CDN
      // the plugin adds its buttons to these two panels; our own toolbar replaces them (hidden in CSS)
      panels: { defaults: [{ id: 'options', buttons: [] }, { id: 'devices-c', buttons: [] }] },
      blockManager: { appendTo: blocks.current! },
      traitManager: { appendTo: traits.current! },
      styleManager: { appendTo: styles.current! },
      selectorManager: { componentFirst: true },
      undoManager: { trackSelection: false },
      // markup pasted or imported is kept free of script and event handlers
      parser: { optionsHtml: { allowScripts: false, allowUnsafeAttr: false, allowUnsafeAttrValue: false } },
      assetManager: {
        upload: '/api/v1/media',
        uploadName: 'files',
        multiUpload: true,
        autoAdd: false,
        uploadFile: async (ev: DragEvent | Event) => {
          const files = (ev as DragEvent).dataTransfer?.files ?? (ev.target as HTMLInputElement).files;
          if (!files) return;
          setUploadError('');
          await uploadImages(e, files).catch((err: Error) => setUploadError(err.message));
        },
      },
      plugins: [(ed: Editor) => mjml(ed, {
        blocks: MJML_BLOCKS,
        fonts: {}, // MJML's default fonts are Google fonts
        resetDevices: false, // GrapesJS's own devices; our toolbar switches them
        imagePlaceholderSrc: IMAGE_PLACEHOLDER,
        block: (id: string) => (id === 'mj-image' ? { activate: true, select: true } : {}),
      })],
    });
    addParcoursBlocks(e);
    if (doc?.kind === 'grapesjs') e.loadProjectData(doc.project as never);
    else e.setComponents(source?.trim().startsWith('<mjml') ? source : STARTER_MJML);
    e.UndoManager.clear();
    get<{ data: { url: string; filename: string }[] }>('/api/v1/media').then((r) => e.Assets.add(r.data.map((m) => ({ src: m.url, name: m.filename, type: 'image' }))), () => {});

    const snapshot = () => ({ body: e.getHtml(), editor: { kind: 'grapesjs' as const, version: grapesjs.version, project: e.getProjectData() as unknown as Record<string, unknown> } });
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A snapshot merges a text being typed into the document, which re-renders it and throws the
    // caret back to its start: while a text is open the snapshot waits until it is closed.
    const later = () => {
      clearTimeout(timer);
      timer = setTimeout(() => { if (!e.getEditing()) change.current(snapshot()); }, 250);
    };
    e.on('update', later);
    // a block dragged while a text is open would drop into that text: close it first
    e.on('block:drag:start', () => (e.getEditing()?.getView() as { disableEditing?(): unknown } | undefined)?.disableEditing?.());
    e.on('rte:disable', later);
    onReady({
      async flush() {
        clearTimeout(timer);
        await syncEditing(e);
        const s = snapshot();
        change.current(s);
        return s;
      },
    });
    // the caret in a text being written, kept while the field picker outside the canvas has focus
    e.on('rte:enable', () => {
      const d = e.Canvas.getDocument();
      if (!d || caretDocs.has(d)) return;
      caretDocs.add(d);
      d.addEventListener('selectionchange', () => {
        const sel = d.getSelection();
        if (sel?.rangeCount && e.getEditing()) caret.current = sel.getRangeAt(0).cloneRange();
      });
    });
    e.on('rte:disable', () => { caret.current = null; });
    setEditor(e);
    return () => {
      clearTimeout(timer);
      e.destroy();
    };
    // the editor is made once per message; later content comes from it, not to it
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const insertField = (tag: string) => {
    if (!editor) return;
    const editing = editor.getEditing();
    if (editing) {
      const sel = editor.Canvas.getDocument()?.getSelection();
      if (sel && caret.current) { sel.removeAllRanges(); sel.addRange(caret.current); }
      // typed into the open text at its caret; merged into the document when the text closes
      editor.RichTextEditor.globalRte?.insertHTML(tag);
      return;
    }
    const selected = editor.getSelected();
    if (selected && /text|button/.test(selected.get('type') ?? '')) selected.append(` ${tag}`);
    else setUploadError('Select a text or a button first, or double-click into a text to place the field.');
  };

  const show = (d: 'desktop' | 'mobile') => {
    editor?.setDevice(d === 'desktop' ? 'Desktop' : 'Mobile portrait');
    setDevice(d);
  };

  return (
    <div className="visual-editor" data-testid="visual-editor">
      <div className="ve-toolbar">
        <button type="button" className="small" onClick={() => editor?.UndoManager.undo()} title="Undo (Ctrl+Z)">Undo</button>
        <button type="button" className="small" onClick={() => editor?.UndoManager.redo()} title="Redo (Ctrl+Shift+Z)">Redo</button>
        <span className="ve-sep" />
        <button type="button" className={`small${device === 'desktop' ? ' on' : ''}`} onClick={() => show('desktop')}>Desktop</button>
        <button type="button" className={`small${device === 'mobile' ? ' on' : ''}`} onClick={() => show('mobile')}>Mobile</button>
        <span className="ve-sep" />
        <FieldPicker onInsert={insertField} />
        <button type="button" className="small" onClick={() => editor?.runCommand('open-assets')}>Images…</button>
        {uploadError && <span className="field-error" role="alert">{uploadError}</span>}
      </div>
      <div className="ve-body">
        <div className="ve-blocks" ref={blocks} aria-label="Blocks" />
        <div className="ve-canvas" ref={canvas} />
        <div className="ve-side">
          <div className="ve-side-title">Settings</div>
          <div ref={traits} />
          <div className="ve-side-title">Style</div>
          <div ref={styles} />
        </div>
      </div>
      <p className="field-hint">Drag blocks onto the email; double-click a text to write (the preview follows once you leave it). Undo with Ctrl+Z. Images you upload go to the workspace’s library.</p>
    </div>
  );
}
