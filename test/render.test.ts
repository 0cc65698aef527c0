import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.ts';
import { compileEmail, renderEmail, htmlToText, type EmailVersion } from '../src/messages/render/index.ts';

const mjml = (inner: string, head = '') => `<mjml>${head}<mj-body><mj-section><mj-column>\n${inner}\n</mj-column></mj-section></mj-body></mjml>`;
const html = (body: string): EmailVersion => ({ subject: 'S', format: 'html', body });
const urls = { unsubscribe_url: 'https://p.example/u/t0k', preferences_url: 'https://p.example/p/t0k', view_online_url: 'https://p.example/v/t0k' };
const ann = { contact: { id: 7, email: 'ann@example.com', first_name: 'Ann', fields: { plan: 'pro', vip: true } }, workspace: { name: 'Laine & Lin' }, ...urls };

function validationError(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('validation');
    return err as AppError;
  }
  throw new Error('expected a validation error');
}

describe('personalization (M-1)', () => {
  it('escapes contact values in the HTML part only, never in subject or text', () => {
    const c = compileEmail({ subject: 'For {{ contact.first_name }}', format: 'html', body: '<p title="{{ contact.first_name }}">Hi {{ contact.first_name }}</p>' });
    const r = renderEmail(c, { contact: { first_name: `<b>Tom & "Jerry"</b>` } });
    expect(r.html).toBe('<p title="&lt;b&gt;Tom &amp; &#34;Jerry&#34;&lt;/b&gt;">Hi &lt;b&gt;Tom &amp; &#34;Jerry&#34;&lt;/b&gt;</p>');
    expect(r.subject).toBe('For <b>Tom & "Jerry"</b>');
    expect(r.text).toBe('Hi <b>Tom & "Jerry"</b>');
  });

  it('lets the author opt out of escaping with | raw', () => {
    const c = compileEmail(html('<div>{{ workspace.footer | raw }}</div>'));
    expect(renderEmail(c, { workspace: { footer: '<i>12 rue X</i>' } }).html).toBe('<div><i>12 rue X</i></div>');
  });

  it.each([
    ['a name', { first_name: 'Ann' }, 'Hello Ann'],
    ['null', { first_name: null }, 'Hello there'],
    ['an empty string', { first_name: '' }, 'Hello there'],
    ['no such field', {}, 'Hello there'],
  ])('default filter with %s', (_, contact, expected) => {
    const c = compileEmail({ subject: 'Hello {{ contact.first_name | default: "there" }}', format: 'html', body: '<p>x</p>' });
    expect(renderEmail(c, { contact }).subject).toBe(expected);
  });

  it('renders missing variables as empty, not as an error', () => {
    const c = compileEmail(html('[{{ contact.nope }}][{{ nothing.deep.er }}][{{ event.total }}]'));
    expect(renderEmail(c, { contact: {} }).html).toBe('[][][]');
  });

  it('reaches custom fields as contact.<key> and contact.fields.<key>; standard fields win', () => {
    const c = compileEmail(html('{{ contact.plan }}/{{ contact.fields.plan }}/{{ contact.email }}/{{ workspace.name }}/{{ event.total }}/{{ unsubscribe_url }}'));
    const r = renderEmail(c, { ...ann, contact: { ...ann.contact, fields: { plan: 'pro', email: 'shadow@x' } }, event: { total: 42.5 } });
    expect(r.html).toBe('pro/pro/ann@example.com/Laine &amp; Lin/42.5/https://p.example/u/t0k');
  });

  it('keeps a subject on one line whatever the data holds', () => {
    const c = compileEmail({ subject: 'Hi {{ contact.first_name }}!', format: 'html', body: 'x' });
    expect(renderEmail(c, { contact: { first_name: 'Ann\r\nBcc: evil@example.com' } }).subject).toBe('Hi Ann Bcc: evil@example.com!');
  });

  it('renders loops and conditions on event data', () => {
    const c = compileEmail(html('{% for i in event.items %}{{ i.name }}×{{ i.qty }}{% unless forloop.last %}, {% endunless %}{% endfor %}{% if event.total > 100 %} free shipping{% endif %}'));
    expect(renderEmail(c, { event: { items: [{ name: 'Scarf', qty: 1 }, { name: 'Hat', qty: 2 }], total: 120 } }).html).toBe('Scarf×1, Hat×2 free shipping');
  });
});

describe('template errors name the part, line and column', () => {
  it.each([
    ['subject', { subject: 'Hi {{ contact.first_name ' }, /line:1, col:4/],
    ['preheader', { preheader: 'Deals {% if x %}' }, /line:1, col:7/],
    ['text', { text: 'a\nb\n  {% endif %}' }, /line:3, col:3/],
    ['body', { body: '<p>\n<b>{{ x | nope }}</b></p>' }, /undefined filter: nope, line:2, col:4/],
    ['body', { body: mjml('<mj-text>\n  {% if a %}</mj-text>') }, /line:3, col:3/],
  ] as Array<[string, Partial<EmailVersion>, RegExp]>)('%s', (path, patch, message) => {
    const format = patch.body?.startsWith('<mjml>') ? 'mjml' : 'html';
    const err = validationError(() => compileEmail({ subject: 'S', format, body: '<p>x</p>', ...patch }));
    expect(err.details).toHaveLength(1);
    expect(err.details[0]!.path).toBe(path);
    expect(err.details[0]!.message).toMatch(message);
  });

  it('reports MJML errors on the body with their line', () => {
    const err = validationError(() => compileEmail({ subject: 'S', format: 'mjml', body: mjml('<mj-text>a</mj-text>\n<mj-txt>b</mj-txt>') }));
    expect(err.details).toEqual([{ path: 'body', message: expect.stringMatching(/^line 3: .*mj-txt/) }]);
  });

  it('refuses a body that is not MJML at all', () => {
    const err = validationError(() => compileEmail({ subject: 'S', format: 'mjml', body: '<p>hello</p>' }));
    expect(err.details[0]!.path).toBe('body');
  });

  it('keeps MJML line numbers right when a Liquid tag spans lines', () => {
    const body = mjml('{% liquid\n  assign greeting = "Hi"\n%}\n<mj-text>{{ greeting }}</mj-text>\n<mj-txt>b</mj-txt>');
    const err = validationError(() => compileEmail({ subject: 'S', format: 'mjml', body }));
    expect(err.details[0]!.message).toMatch(/^line 6: /);
  });
});

describe('Liquid inside MJML', () => {
  const body = mjml(`{% if contact.vip %}
<mj-text>VIP corner for {{ contact.first_name }}</mj-text>
{% endif %}
{% for item in event.items %}<mj-text>Item: {{ item }}</mj-text>{% endfor %}
<mj-button href="{{ event.url }}">Open</mj-button>
<mj-image src="https://cdn.example.com/a.png" href="https://shop.example.com/p?c={{ contact.id }}&amp;x=1" />
<mj-text>{% if event.total > 100 %}Big spender{% else %}Hello{% endif %} {% raw %}{{ literal }}{% endraw %}</mj-text>`);
  const c = compileEmail({ subject: 'S', format: 'mjml', body });
  const vars = (vip: boolean) => ({ contact: { id: 7, first_name: 'Ann', fields: { vip } }, event: { items: ['a', 'b'], url: 'https://x.example.com/?q=1&r="2"', total: 150 } });
  const balanced = (h: string) => {
    for (const tag of ['tr', 'td', 'table', 'div']) expect((h.match(new RegExp(`<${tag}[\\s>]`, 'g')) ?? []).length, tag).toBe((h.match(new RegExp(`</${tag}>`, 'g')) ?? []).length);
  };

  it('keeps an {% if %} around mj-text, rendering whole table rows or nothing', () => {
    const yes = renderEmail(c, vars(true)).html;
    const no = renderEmail(c, vars(false)).html;
    expect(yes).toContain('VIP corner for Ann');
    expect(no).not.toContain('VIP corner');
    balanced(yes);
    balanced(no);
    expect((yes.match(/<tr>/g) ?? []).length - (no.match(/<tr>/g) ?? []).length).toBe(1);
  });

  it('repeats elements inside a {% for %} between MJML elements', () => {
    const h = renderEmail(c, vars(false)).html;
    expect(h).toContain('Item: a');
    expect(h).toContain('Item: b');
    balanced(h);
  });

  it('renders Liquid in attributes, escaped for HTML', () => {
    const h = renderEmail(c, vars(false)).html;
    expect(h).toContain('href="https://x.example.com/?q=1&amp;r=&#34;2&#34;"');
    expect(h).toContain('href="https://shop.example.com/p?c=7&amp;x=1"');
  });

  it('keeps comparison operators and raw blocks intact', () => {
    const h = renderEmail(c, vars(false)).html;
    expect(h).toContain('Big spender {{ literal }}');
  });

  it('leaves the author’s own comments alone even when they look like stand-ins', () => {
    const x = compileEmail({ subject: 'S', format: 'mjml', body: mjml('<!-- pq:0 -->\n<mj-text>{{ contact.first_name }}</mj-text>') });
    const h = renderEmail(x, { contact: { first_name: 'Ann' } }).html;
    expect(h).toContain('<!-- pq:0 -->');
    expect(h).toContain('>Ann</div>');
  });

  it('never reads server files through mj-include', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'parcours-mjml-'));
    writeFileSync(path.join(dir, 'secret.mjml'), '<mj-text>TOP-SECRET-42</mj-text>');
    const x = compileEmail({ subject: 'S', format: 'mjml', body: mjml(`<mj-include path="${path.join(dir, 'secret.mjml')}" />\n<mj-text>ok</mj-text>`) });
    expect(x.source.html).not.toContain('TOP-SECRET-42');
  });
});

describe('preheader', () => {
  it('is a hidden span first in the body, personalised and escaped, and not in the text part', () => {
    const c = compileEmail({ subject: 'S', preheader: 'Deals for {{ contact.first_name }} <3', format: 'mjml', body: mjml('<mj-text>Body</mj-text>') });
    const r = renderEmail(c, { contact: { first_name: 'A&B' } });
    expect(r.html).toMatch(/<body[^>]*><span class="preheader" style="display:none[^"]*">Deals for A&amp;B &lt;3<\/span>/);
    expect(r.text).toBe('Body');
  });

  it('goes first in an HTML fragment without a body tag, and is absent when empty', () => {
    expect(renderEmail(compileEmail({ ...html('<p>x</p>'), preheader: 'Soon' }), {}).html).toMatch(/^<span class="preheader"[^>]*>Soon<\/span><p>x<\/p>$/);
    expect(renderEmail(compileEmail({ ...html('<p>x</p>'), preheader: '  ' }), {}).html).toBe('<p>x</p>');
  });
});

describe('text part', () => {
  it('is generated with links as "text [url]", values unescaped, empty blocks collapsed', () => {
    const c = compileEmail(
      html(`<html><body><h1>Hello {{ contact.first_name }}</h1>{% if contact.vip %}<p>VIP only</p>{% endif %}
<p>Read <a href="https://shop.example.com/?a=1&amp;b=2">our shop</a> or <a href="{{ unsubscribe_url }}">unsubscribe</a>.</p><img src="x.png" alt="logo"></body></html>`),
    );
    expect(renderEmail(c, { ...ann, contact: { first_name: 'Tom & Jerry' } }).text).toBe(
      'Hello Tom & Jerry\n\nRead our shop [https://shop.example.com/?a=1&b=2] or unsubscribe [https://p.example/u/t0k].',
    );
    expect(renderEmail(c, ann).text).toContain('Hello Ann\n\nVIP only\n\nRead');
  });

  it('is templated once and gives what converting each render would', () => {
    const c = compileEmail({ subject: 'S', format: 'mjml', body: mjml(`<mj-text><h2>{{ contact.first_name | default: "Hi" }}</h2>{% if contact.vip %}<p>Gold</p>{% endif %}</mj-text>
<mj-button href="https://shop.example.com/{{ contact.plan }}">Shop {{ contact.plan }}</mj-button>
<mj-text><ul>{% for i in event.items %}<li>{{ i }}</li>{% endfor %}</ul><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>`) });
    expect(c.text).not.toBeNull();
    for (const vars of [ann, { ...ann, contact: { first_name: null, fields: { plan: 'free', vip: false } }, event: { items: ['x', 'y'] } }]) {
      const r = renderEmail(c, vars);
      expect(r.text).toBe(htmlToText(r.html));
    }
  });

  it('falls back to converting each render when a Liquid tag does not survive the conversion', () => {
    // html-to-text drops comments, and the {% if %} with them: the template would show Gold to all.
    const c = compileEmail(html('<!-- {% if contact.vip %} --><p>Gold member</p><!-- {% endif %} --><p>Bye</p>'));
    expect(c.text).toBeNull();
    expect(renderEmail(c, ann).text).toBe('Gold member\n\nBye');
    expect(renderEmail(c, { contact: {} }).text).toBe('Bye');
  });

  it('uses a hand-written text part as is, unescaped', () => {
    const c = compileEmail({ ...html('<p>x</p>'), text: 'Hi {{ contact.first_name }},\n\nBye {{ unsubscribe_url }}' });
    expect(renderEmail(c, { ...ann, contact: { first_name: 'A&B' } }).text).toBe('Hi A&B,\n\nBye https://p.example/u/t0k');
  });
});
