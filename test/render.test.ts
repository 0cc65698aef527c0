import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../src/errors.ts';
import {
  compileEmail, renderEmail, htmlToText, rewriteLinks, listLinks, injectOpenPixel, validateUrls, hasUnsubscribeLink,
  compileSms, renderSms, smsSegments, type EmailVersion,
} from '../src/messages/render/index.ts';

const mjml = (inner: string) => `<mjml><mj-body><mj-section><mj-column>\n${inner}\n</mj-column></mj-section></mj-body></mjml>`;
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

  it.each([
    ['include', "{% include 'package.json' %}"],
    ['render', "{% render '../.env' %}"],
    ['layout', "{% layout 'x' %}"],
  ])('refuses the %s tag, which would read server files', (_, body) => {
    expect(validationError(() => compileEmail(html(body))).details[0]!.message).toMatch(/not available in messages/);
  });

  it('bounds a runaway loop instead of hanging the sender', () => {
    const c = compileEmail(html('{% for i in (1..100000000) %}x{% endfor %}'));
    expect(() => renderEmail(c, {})).toThrow(/limit exceeded/);
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
<mj-button href="https://shop.example.com/{% if contact.vip %}gold{% else %}join{% endif %}">Club</mj-button>
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

  it('renders Liquid in attributes, escaped for HTML, and keeps operators and raw blocks intact', () => {
    const h = renderEmail(c, vars(false)).html;
    expect(h).toContain('href="https://x.example.com/?q=1&amp;r=&#34;2&#34;"');
    expect(h).toContain('href="https://shop.example.com/p?c=7&amp;x=1"');
    expect(h).toContain('href="https://shop.example.com/join"');
    expect(renderEmail(c, vars(true)).html).toContain('href="https://shop.example.com/gold"');
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
    const body = `<mjml><mj-body>
  <mj-section>{% if contact.vip %}<mj-column><mj-text>Gold column</mj-text></mj-column>{% endif %}
    <mj-column><mj-text><h2>{{ contact.first_name | default: "Hi" }}</h2>{% if contact.vip %}<p>Gold</p>{% endif %}</mj-text>
      <mj-button href="https://shop.example.com/{{ contact.plan }}">Shop {{ contact.plan }}</mj-button></mj-column></mj-section>
  <mj-section><mj-column>
    {% for i in event.items %}<mj-text>Line {{ forloop.index }}: {{ i }}</mj-text>{% endfor %}
    <mj-text><ul>{% for i in event.items %}<li>{{ i }}</li>{% endfor %}</ul><a href="{{ unsubscribe_url }}">Unsubscribe</a></mj-text>
  </mj-column></mj-section></mj-body></mjml>`;
    const c = compileEmail({ subject: 'S', preheader: 'Hello {{ contact.first_name }}', format: 'mjml', body });
    expect(c.text).not.toBeNull();
    const people = [
      { ...ann, event: { items: [] } },
      { ...ann, contact: { first_name: null, fields: { plan: 'free', vip: false } }, event: { items: ['x', 'y', 'z'] } },
      { ...ann, contact: { first_name: 'Émile', fields: { plan: 'pro & co', vip: true } }, event: { items: ['<a>'] } },
    ];
    for (const vars of people) {
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

describe('links and tracking (M-3)', () => {
  const track = (h: string, keep?: (u: string) => boolean) => rewriteLinks(h, (url, i) => `https://t.example/c/${i}?u=${encodeURIComponent(url)}`, keep);
  it.each([
    ['https', '<a href="https://a.example.com/x">x</a>', '<a href="https://t.example/c/0?u=https%3A%2F%2Fa.example.com%2Fx">x</a>'],
    ['http, single quotes, other attributes kept', `<a class="b" href='http://a.example.com' target="_blank">x</a>`, '<a class="b" href="https://t.example/c/0?u=http%3A%2F%2Fa.example.com" target="_blank">x</a>'],
    ['unquoted, upper case', '<A HREF=https://a.example.com>x</A>', '<A HREF="https://t.example/c/0?u=https%3A%2F%2Fa.example.com">x</A>'],
    ['a ">" in an earlier attribute', '<a title="1 > 0" href="https://a.example.com">x</a>', '<a title="1 > 0" href="https://t.example/c/0?u=https%3A%2F%2Fa.example.com">x</a>'],
    ['entities decoded for fn', '<a href="https://a.example.com/?a=1&amp;b=2">x</a>', '<a href="https://t.example/c/0?u=https%3A%2F%2Fa.example.com%2F%3Fa%3D1%26b%3D2">x</a>'],
  ])('rewrites %s', (_, input, output) => {
    expect(track(input)).toBe(output);
  });

  it.each([
    ['mailto', '<a href="mailto:a@example.com">m</a>'],
    ['tel', '<a href="tel:+33612345678">t</a>'],
    ['anchor', '<a href="#top">t</a>'],
    ['relative', '<a href="/x">t</a>'],
    ['unrendered Liquid', '<a href="{{ url }}">t</a>'],
    ['data-href is not href', '<a data-href="https://a.example.com" name="x">t</a>'],
    ['not an <a>', '<link href="https://a.example.com/s.css"><abbr href="https://a.example.com">t</abbr>'],
  ])('leaves %s alone', (_, input) => {
    expect(track(input)).toBe(input);
  });

  it('indexes distinct urls in document order, skips what the predicate refuses, escapes the result', () => {
    const h = '<a href="https://a.example.com">1</a><a href="{{ u }}">-</a><a href="https://b.example.com">2</a><a href="https://a.example.com">3</a><a href="https://p.example/u/t0k">unsub</a>';
    const keep = (u: string) => u !== urls.unsubscribe_url;
    expect(listLinks(h, keep)).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(listLinks(h)).toHaveLength(3);
    const out = rewriteLinks(h, (u, i) => `https://t.example/${i}?x="${u.length}"&y`, keep);
    expect(out).toBe('<a href="https://t.example/0?x=&quot;21&quot;&amp;y">1</a><a href="{{ u }}">-</a><a href="https://t.example/1?x=&quot;21&quot;&amp;y">2</a><a href="https://t.example/0?x=&quot;21&quot;&amp;y">3</a><a href="https://p.example/u/t0k">unsub</a>');
  });

  it.each([
    ['before </body>', '<html><body><p>x</p></body></html>', '<html><body><p>x</p><img src="https://t.example/o.gif?a=1&amp;b=2" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;" /></body></html>'],
    ['before an upper-case </BODY>', '<BODY>x</BODY>', '<BODY>x<img src="https://t.example/o.gif?a=1&amp;b=2" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;" /></BODY>'],
    ['appended to a fragment', '<p>x</p>', '<p>x</p><img src="https://t.example/o.gif?a=1&amp;b=2" width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;" />'],
  ])('injects the open pixel %s', (_, input, output) => {
    expect(injectOpenPixel(input, 'https://t.example/o.gif?a=1&b=2')).toBe(output);
  });

  it('validates hrefs for the campaign checklist', () => {
    const hrefs = [
      'https://ok.example.com/a?b=1&amp;c=2', 'mailto:a@example.com', 'tel:+331', '#top', '{{ unsubscribe_url }}', 'https://ok.example.com/?id={{ contact.id }}',
      'https://{{ workspace.domain }}/x', '', '/relative', 'javascript:alert(1)', 'htp://typo.example.com', 'https://exa mple.com', 'http://', 'https://localhost/x', 'mailto:',
    ];
    const h = hrefs.map((x) => `<a href="${x}">l</a>`).join('') + '<a href="/relative">again</a>';
    expect(validateUrls(h).map((e) => e.href)).toEqual(['', '/relative', 'javascript:alert(1)', 'htp://typo.example.com', 'https://exa mple.com', 'http://', 'https://localhost/x', 'mailto:']);
    expect(validateUrls(h).every((e) => e.reason.length > 0)).toBe(true);
  });

  it.each([
    ['{{ unsubscribe_url }}', true],
    ['<a href="{{unsubscribe_url}}">x</a>', true],
    [`<a href="{{ unsubscribe_url | append: '?l=fr' }}">x</a>`, true],
    ['{% if contact.vip %}<a href="{{ unsubscribe_url }}">x</a>{% endif %}', true],
    ['<a href="{{ preferences_url }}">x</a>', false],
    ['unsubscribe_url written as plain text', false],
    ['broken {% if %} {{ unsubscribe_url }}', true],
  ])('hasUnsubscribeLink(%j) is %s', (template, expected) => {
    expect(hasUnsubscribeLink(template)).toBe(expected);
  });

  it('hasUnsubscribeLink reads a compiled email too', () => {
    expect(hasUnsubscribeLink(compileEmail(html('<a href="{{ unsubscribe_url }}">u</a>')))).toBe(true);
    expect(hasUnsubscribeLink(compileEmail({ ...html('<p>x</p>'), text: '{{ unsubscribe_url }}' }))).toBe(false);
  });
});

describe('SMS (M-6)', () => {
  it('personalises without HTML escaping and reports errors on text', () => {
    const c = compileSms('Bonjour {{ contact.first_name | default: "à vous" }} & co. STOP au 36111');
    expect(renderSms(c, { contact: { first_name: 'Zoé <3' } })).toBe('Bonjour Zoé <3 & co. STOP au 36111');
    expect(renderSms(c, { contact: {} })).toBe('Bonjour à vous & co. STOP au 36111');
    expect(validationError(() => compileSms('Hi\n{{ contact.first_name ')).details).toEqual([{ path: 'text', message: expect.stringMatching(/line:2, col:1/) }]);
  });

  const a = (n: number) => 'a'.repeat(n);
  it.each([
    ['empty', '', 'GSM-7', 0, 0, 160],
    ['160 GSM characters: one segment', a(160), 'GSM-7', 160, 1, 160],
    ['161: two segments of 153', a(161), 'GSM-7', 161, 2, 153],
    ['306: exactly two', a(306), 'GSM-7', 306, 2, 153],
    ['307: three', a(307), 'GSM-7', 307, 3, 153],
    ['French accents in GSM-7 (é è à ù Ç)', 'éèàùÇ', 'GSM-7', 5, 1, 160],
    ['Greek capitals and ¤ § ¿ are GSM-7', 'ΔΦΓΛΩΠΨΣΘΞ¤§¿', 'GSM-7', 13, 1, 160],
    ['each extension character counts 2', '^{}\\[~]|€\f', 'GSM-7', 20, 1, 160],
    ['80 € signs fill one segment', '€'.repeat(80), 'GSM-7', 160, 1, 160],
    ['80 € signs and one letter: two', '€'.repeat(80) + 'a', 'GSM-7', 161, 2, 153],
    ['an escape pair is never split', a(152) + '€' + a(152), 'GSM-7', 306, 3, 153],
    ['ç switches to UCS-2', 'ç', 'UCS-2', 1, 1, 70],
    ['70 UCS-2 units: one segment', 'ç' + a(69), 'UCS-2', 70, 1, 70],
    ['71: two segments of 67', 'ç' + a(70), 'UCS-2', 71, 2, 67],
    ['134: exactly two', 'ç' + a(133), 'UCS-2', 134, 2, 67],
    ['an emoji counts 2 units', '😀'.repeat(35), 'UCS-2', 70, 1, 70],
    ['35 emoji and one letter: two', '😀'.repeat(35) + 'a', 'UCS-2', 71, 2, 67],
    ['a surrogate pair is never split', a(66) + '😀' + a(66), 'UCS-2', 134, 3, 67],
  ])('%s', (_, text, encoding, characters, segments, per_segment) => {
    expect(smsSegments(text)).toEqual({ encoding, characters, segments, per_segment });
  });
});
