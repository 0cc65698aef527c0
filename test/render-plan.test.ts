import { describe, expect, it } from 'vitest';
import { htmlEngine, textEngine } from '../src/messages/render/engines.ts';
import { compileOutputs } from '../src/messages/render/outputs.ts';
import { contactVars } from '../src/delivery/compose.ts';
import {
  compileEmail, renderEmail, rewriteLinks, injectOpenPixel, planEmail, renderPlanned, type EmailVersion, type RenderVars, type Tracking,
} from '../src/messages/render/index.ts';

// The sender's two ways to render a tracked email must give the same bytes: the slow path
// (renderEmail, then every link and the pixel) and the plan made once per message version.
const base = 'https://p.example';
const tracking: Tracking = {
  link: (url, token) => (url.startsWith(base) ? url : `${base}/t/c/${token}/sig?u=${encodeURIComponent(url)}`),
  pixel: (token) => `${base}/t/o/${token}.gif`,
};
const slow = (version: EmailVersion, vars: RenderVars, token: string) => {
  const r = renderEmail(compileEmail(version), vars);
  return { ...r, html: injectOpenPixel(rewriteLinks(r.html, (url) => tracking.link(url, token)), tracking.pixel(token)) };
};
const fast = (version: EmailVersion, vars: RenderVars, token: string) => {
  const plan = planEmail(compileEmail(version), tracking);
  return plan && renderPlanned(plan, vars, token, tracking);
};

const urls = { unsubscribe_url: `${base}/u/tk`, preferences_url: `${base}/p/tk`, view_online_url: `${base}/v/tk` };
const people: RenderVars[] = [
  { contact: { first_name: 'Ann', last_name: 'Lee', fields: { plan: 'gold', site: 'https://ann.example/me?a=1&b=2' } }, workspace: { name: 'Shop' }, ...urls },
  { contact: { first_name: `<b>Tom & "Jerry"</b>`, last_name: "O'Hara", fields: { plan: '', site: 'javascript:alert(1)' } }, workspace: { name: 'A & B' }, ...urls },
  { contact: { first_name: '', fields: {} }, workspace: {}, ...urls },
  { contact: { first_name: 'x\uE005\uE006y', last_name: 'a\n\nb', fields: { plan: 'é ü 😀', site: `${base}/&lt;/body&gt;` } }, workspace: { name: 'W' }, ...urls },
];

const page = (inner: string) => `<html><head><title>{{ workspace.name }}</title></head><body>${inner}</body></html>`;
const versions: Record<string, EmailVersion> = {
  'static links and outputs': {
    subject: '{{ contact.first_name }}, news',
    format: 'html',
    body: page(`<h1>Hello {{ contact.first_name | default: "friend" }} {{ contact.last_name }}</h1>
<p>{{ contact.plan }} <a href="https://shop.example/p/1?utm=a&amp;b=c" style="x">one</a> <A HREF=https://shop.example/2>two</A>
<a title='1 > 0' href='http://shop.example/3'>three</a> <a href="mailto:a@b.example">m</a> <a href="#top">top</a>
<a href="https://shop.example/p/1?utm=a&amp;b=c">again</a></p>
<a href="{{ unsubscribe_url }}">Unsubscribe</a> · <a href="{{ preferences_url }}">Preferences</a> {{ contact.first_name }}`),
  },
  'links inside Liquid outputs': {
    subject: 'S',
    format: 'html',
    body: page(`<a href="{{ contact.site }}">site</a> <a href="https://shop.example/u?id={{ contact.first_name }}&amp;x=1">me</a>
<a title="{{ contact.last_name }}" href="https://shop.example/t">t</a> <a href={{ contact.site }}>bare</a> <a class="{{ contact.plan }}" href='{{ view_online_url }}'>v</a>`),
  },
  'hand-written text part': {
    subject: 'Hi {{ contact.first_name }}',
    format: 'html',
    body: page('<p>{{ contact.first_name }}</p><a href="https://shop.example/">s</a>'),
    text: 'Dear {{ contact.first_name }},\n\n{% if contact.plan %}plan {{ contact.plan }}{% endif %}\n\nBye {{ unsubscribe_url }}',
  },
  'preheader and uppercase body close later': {
    subject: 'S',
    preheader: 'Only for {{ contact.first_name }}',
    format: 'html',
    body: '<html><body><p>{{ contact.first_name }}</p><a href="https://shop.example/">s</a></body></html>',
  },
  'MJML': {
    subject: 'S',
    format: 'mjml',
    body: `<mjml><mj-body><mj-section><mj-column><mj-text>Hi {{ contact.first_name }} <a href="https://shop.example/m">m</a></mj-text>
<mj-button href="https://shop.example/b?c={{ contact.plan }}">Go</mj-button></mj-column></mj-section></mj-body></mjml>`,
  },
};
const slowOnly: Record<string, EmailVersion> = {
  '{% if %} around links': {
    subject: 'S',
    format: 'html',
    body: page('{% if contact.plan == "gold" %}<a href="https://shop.example/gold">gold</a>{% else %}<a href="https://shop.example/std">std</a>{% endif %}'),
  },
  'raw output': { subject: 'S', format: 'html', body: page('{{ contact.first_name | raw }} <a href="https://shop.example/">s</a>') },
  'output opening a tag': { subject: 'S', format: 'html', body: page('<{{ contact.plan }} href="https://shop.example/">x</a>') },
  'no closing body tag': { subject: 'S', format: 'html', body: '<p>{{ contact.first_name }} <a href="https://shop.example/">s</a></p>' },
};

describe('the render plan gives what rendering then rewriting each message gives (M-1, M-3)', () => {
  for (const [name, version] of Object.entries({ ...versions, ...slowOnly })) {
    it(name, () => {
      people.forEach((vars, i) => {
        const token = `tok${i}.sig${i}`;
        const f = fast(version, vars, token);
        if (f) expect(f).toEqual(slow(version, vars, token));
      });
    });
  }

  it('is taken for messages of static text, outputs and links, whatever the personalisation', () => {
    for (const version of Object.values(versions)) {
      expect(planEmail(compileEmail(version), tracking)).not.toBeNull();
      expect(fast(version, people[0]!, 't0')).not.toBeNull();
      expect(fast(version, people[1]!, 't1')).not.toBeNull();
    }
  });

  it('leaves to the slow path what it cannot prove: tags, raw outputs, outputs that open tags, no </body>', () => {
    for (const version of Object.values(slowOnly)) expect(planEmail(compileEmail(version), tracking)).toBeNull();
  });

  it('falls back for a recipient whose data breaks its assumptions', () => {
    // a value holding the separator of outputs rendered by liquidjs; an href kept as is that closes the body
    const upcase = { subject: 'S', format: 'html' as const, body: page('<p>{{ contact.first_name | upcase }}</p>') };
    expect(fast(upcase, people[3]!, 't')).toBeNull();
    expect(fast(upcase, people[0]!, 't')).toEqual(slow(upcase, people[0]!, 't'));
    const closing = { subject: 'S', format: 'html' as const, body: page('<p>x</p>') + '<a href="{{ contact.site }}">s</a>' };
    expect(fast(closing, { contact: { fields: { site: `${base}/</body>` } } }, 't')).toBeNull();
    expect(slow(closing, { contact: { fields: { site: `${base}/</body>` } } }, 't').html).toContain(`${base}/<img`); // the pixel goes before the last '</body>', here inside the href
    expect(fast(closing, people[0]!, 't')).toEqual(slow(closing, people[0]!, 't'));
  });

  it('renders each language version with its own plan', () => {
    const en = { subject: 'Hi', format: 'html' as const, body: page('<a href="https://shop.example/en">en</a> {{ contact.first_name }}') };
    const fr = { subject: 'Salut', format: 'html' as const, body: page('<a href="https://shop.example/fr">fr</a> {{ contact.first_name }}') };
    for (const v of [en, fr]) expect(fast(v, people[0]!, 't')).toEqual(slow(v, people[0]!, 't'));
    expect(fast(fr, people[0]!, 't')!.html).toContain(encodeURIComponent('https://shop.example/fr'));
  });
});

describe('outputs read directly give what liquidjs renders', () => {
  class Box {
    constructor(readonly name = 'boxed') {}
  }
  const scope: Record<string, unknown> = {
    contact: {
      first_name: `Tom & "J" <b> 'x'`, empty: '', zero: 0, neg: -0, pi: 3.14, big: 1e21, yes: true, no: false, nil: null,
      tags: ['a', 'b'], created_at: new Date('2026-01-02T03:04:05Z'), nested: { deep: { v: 'deep' } }, size: 'big', box: new Box(),
      constructor: 'own', long: 'x'.repeat(100_001),
    },
    workspace: Object.assign(Object.create(null), { name: 'no prototype' }),
    unsubscribe_url: 'https://p.example/u/t',
  };
  const expressions = [
    'contact.first_name', 'contact.empty', 'contact.zero', 'contact.neg', 'contact.pi', 'contact.big', 'contact.yes', 'contact.no',
    'contact.nil', 'contact.missing', 'contact.missing.deeper', 'contact.tags', 'contact.tags.size', 'contact.tags.first',
    'contact.created_at', 'contact.nested.deep.v', 'contact.nested', 'contact.size', 'contact.first_name.size', 'contact.box.name',
    'contact.constructor', 'contact.toString', 'contact.long', 'workspace.name', 'unsubscribe_url', 'missing', 'nil', 'true', 'empty',
    'contact.empty | default: "friend"', "contact.no | default: 'nope'", 'contact.zero | default: "z"', 'contact.nil | default: "n"',
    'contact.missing | default: "m"', 'contact.first_name | default: "f"', 'contact.first_name | upcase', 'contact.tags | join: "-"',
    '"literal"', 'contact.pi | plus: 1',
  ];
  for (const [name, engine] of [['HTML', htmlEngine], ['text', textEngine]] as const) {
    it(`for the ${name} engine, one by one and all together`, () => {
      const liquid = (e: string) => engine.renderSync(engine.parse(`{{ ${e} }}`), scope);
      for (const e of expressions) expect([e, compileOutputs(engine, [e]).render(scope)![0]]).toEqual([e, liquid(e)]);
      expect(compileOutputs(engine, expressions).render(scope)).toEqual(expressions.map(liquid));
      const simple = expressions.filter((e) => !e.includes('size') && !e.includes('upcase'));
      expect(compileOutputs(engine, simple).render(scope)).toEqual(simple.map(liquid));
    });
  }
});

describe('a contact as templates see it', () => {
  it('is its custom fields with the standard fields over them, whatever the keys', () => {
    const spread = (c: Record<string, any>) => ({ ...c.fields, ...c, fields: undefined });
    const contacts: Record<string, any>[] = [
      { id: 1, email: 'a@x.example', first_name: 'Ann', fields: { plan: 'gold', email: 'shadowed', points: 3 }, created_at: new Date(0) },
      { id: 2, email: 'b@x.example', fields: null },
      { id: 3, email: 'c@x.example', fields: JSON.parse('{"__proto__": {"polluted": true}, "constructor": "c", "plan": "p"}') },
    ];
    for (const c of contacts) {
      const v = contactVars(c);
      expect(v).toStrictEqual(spread(c));
      expect(Object.keys(v)).toEqual(Object.keys(spread(c)));
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    }
  });
});
