import type { Editor } from 'grapesjs';

/** Every block writes Helvetica/Arial: MJML's default font (Ubuntu) would pull a Google font into each email. */
export const STARTER_MJML = `<mjml>
  <mj-head><mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /><mj-text font-size="15px" line-height="1.5" color="#1f2937" /></mj-attributes></mj-head>
  <mj-body background-color="#f3f4f6">
    <mj-section background-color="#ffffff"><mj-column>
      <mj-text font-size="22px" font-weight="bold">Hello {{ contact.first_name | default: "there" }}</mj-text>
    </mj-column></mj-section>
  </mj-body>
</mjml>`;

/** A grey box for an image not chosen yet (data: so the editor loads nothing from elsewhere). */
export const IMAGE_PLACEHOLDER = 'data:image/svg+xml,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="200"><rect width="100%" height="100%" fill="#e5e7eb"/><text x="50%" y="50%" text-anchor="middle" fill="#6b7280" font-family="Arial" font-size="20">Choose an image</text></svg>');

const section = (inner: string, attrs = '') => `<mj-section${attrs}><mj-column>${inner}</mj-column></mj-section>`;

/**
 * The blocks beside grapesjs-mjml's own (columns, text, image, button, divider, spacer): social
 * links as text (MJML's mj-social shows icons hosted by Mailjet, which the editor would fetch),
 * and the footer with the unsubscribe and preferences links every marketing email needs.
 */
export function addParcoursBlocks(editor: Editor) {
  // a button's link, in words (the plugin shows the attribute's name, "Href")
  editor.DomComponents.addType('mj-button', { model: { defaults: { traits: [{ type: 'text', name: 'href', label: 'Link', placeholder: 'https://…' }] } } });
  editor.Blocks.add('parcours-social', {
    label: 'Social links',
    category: 'Parcours',
    media: '<svg viewBox="0 0 24 24" width="40"><circle cx="6" cy="12" r="3" fill="currentColor"/><circle cx="18" cy="6" r="3" fill="currentColor"/><circle cx="18" cy="18" r="3" fill="currentColor"/><path d="M8.5 10.8 15.5 7.2M8.5 13.2l7 3.6" stroke="currentColor" stroke-width="1.5"/></svg>',
    content: section('<mj-text align="center" font-size="14px"><a href="https://www.instagram.com/">Instagram</a> · <a href="https://www.facebook.com/">Facebook</a> · <a href="https://www.linkedin.com/">LinkedIn</a></mj-text>'),
  });
  editor.Blocks.add('parcours-footer', {
    label: 'Footer',
    category: 'Parcours',
    media: '<svg viewBox="0 0 24 24" width="40"><rect x="3" y="15" width="18" height="5" rx="1" fill="currentColor"/><rect x="3" y="4" width="18" height="9" rx="1" fill="none" stroke="currentColor" stroke-width="1.5"/></svg>',
    content: section('<mj-text align="center" font-size="12px" color="#6b7280">{{ workspace.name }}<br/>You receive this email because you subscribed. <a href="{{ unsubscribe_url }}">Unsubscribe</a> · <a href="{{ preferences_url }}">Preferences</a></mj-text>'),
  });
}

/** grapesjs-mjml's blocks we offer (its navbar, hero, raw and social icons are left out). */
export const MJML_BLOCKS = ['mj-1-column', 'mj-2-columns', 'mj-3-columns', 'mj-text', 'mj-image', 'mj-button', 'mj-divider', 'mj-spacer'];
