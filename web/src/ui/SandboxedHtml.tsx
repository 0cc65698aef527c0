/**
 * Renders message HTML in an iframe with an empty sandbox: no script, no same-origin access,
 * no forms, no top navigation. The only place the UI shows HTML it did not write.
 */
export function SandboxedHtml({ html, title, height = 480 }: { html: string; title: string; height?: number }) {
  return <iframe className="preview" title={title} sandbox="" srcDoc={html} style={{ minHeight: height }} referrerPolicy="no-referrer" />;
}
