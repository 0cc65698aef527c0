import { useState } from 'react';
import { ApiError } from '../api.ts';
import { ConfirmButton } from '../ui/Confirm.tsx';

const CODE = /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/;
const PARTS = ['subject', 'preheader', 'body', 'text'] as const;

type Content = Record<string, any>;

interface Props {
  content: Content;
  lang: string | null;
  onSelect(lang: string | null): void;
  onContent(c: Content): void;
  error: unknown;
}

/** Only the parts a version sets (empty parts inherit the default version). */
function parts(x: Content): Content {
  return Object.fromEntries(PARTS.filter((k) => x[k] !== undefined && x[k] !== '').map((k) => [k, x[k]]));
}

/**
 * The language versions of a message (M-1): the default version (sent when the contact's
 * language has none) and one per language code. Add, delete, or make one the default.
 */
export function LanguageVersions({ content, lang, onSelect, onContent, error }: Props) {
  const [code, setCode] = useState('');
  const [defaultCode, setDefaultCode] = useState('');
  const langs = Object.keys(content.languages ?? {});
  const bad = (l: string | null) => error instanceof ApiError && error.details.some((d) => (l ? d.path.startsWith(`content.languages.${l}.`) : d.path.startsWith('content.') && !d.path.startsWith('content.languages.')));
  const codeError = code && !CODE.test(code) ? 'a language code such as fr or fr-CA' : langs.includes(code) ? 'this version exists' : undefined;

  const add = () => {
    // a translation starts from the default's words; an email's text part is regenerated from its body
    const start = parts(content);
    if ('body' in content) delete start.text;
    onContent({ ...content, languages: { ...(content.languages ?? {}), [code]: start } });
    onSelect(code);
    setCode('');
  };
  const remove = (l: string) => {
    const { [l]: _gone, ...rest } = content.languages ?? {};
    onContent({ ...content, languages: rest });
    onSelect(null);
  };
  // the chosen version becomes the default; the old default is kept under the code given for it
  const makeDefault = (l: string) => {
    const { [l]: chosen, ...rest } = content.languages ?? {};
    const old = parts(content);
    onContent({ ...content, ...parts({ ...old, ...chosen }), languages: { ...rest, [defaultCode]: old } });
    onSelect(null);
    setDefaultCode('');
  };

  return (
    <div className="field" data-testid="language-versions">
      <span className="field-label">Language versions</span>
      <div className="wizard-steps" style={{ marginBottom: 6 }}>
        <button className={`${lang === null ? 'on' : ''}${bad(null) ? ' err' : ''}`} onClick={() => onSelect(null)}>Default</button>
        {langs.map((l) => <button key={l} className={`${lang === l ? 'on' : ''}${bad(l) ? ' err' : ''}`} onClick={() => onSelect(l)}>{l}</button>)}
        <input aria-label="New language code" placeholder="fr, en-CA…" value={code} onChange={(e) => setCode(e.target.value.trim())} style={{ width: 110 }} />
        <button className="small" disabled={!code || !!codeError} onClick={add}>+ Add version</button>
      </div>
      {codeError && <span className="field-error">{codeError}</span>}
      {lang === null
        ? <span className="field-hint">The default version goes to contacts whose language has no version of its own{langs.length ? '' : '; add a version per language to translate it'}.</span>
        : <div className="actions">
            <span className="field-hint">The <b>{lang}</b> version goes to contacts whose language is {lang} (or starts with it). Empty parts use the default's.</span>
            <ConfirmButton className="small danger" question={`Delete the ${lang} version?`} onConfirm={() => remove(lang)}>Delete {lang} version</ConfirmButton>
            <input aria-label="Language of the current default" placeholder="default's code" value={defaultCode} onChange={(e) => setDefaultCode(e.target.value.trim())} style={{ width: 120 }} />
            <button className="small" disabled={!CODE.test(defaultCode) || defaultCode === lang || (langs.includes(defaultCode))} onClick={() => makeDefault(lang)}
              title="Give the language of the current default version: it is kept as that language's version">Make {lang} the default</button>
          </div>}
    </div>
  );
}
