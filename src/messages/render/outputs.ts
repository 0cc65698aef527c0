import type { Liquid, Template } from 'liquidjs';
import { htmlEngine } from './engines.ts';

/**
 * The distinct Liquid outputs of a message, evaluated together once per recipient. Most are a
 * variable, perhaps with a `default`: those are read directly, as liquidjs reads them (own
 * properties, nil as empty, numbers as String() does, the same HTML escapes); any other value or
 * expression takes one liquidjs render of all the outputs. test/render-plan.test.ts holds both
 * ways to liquidjs on every kind of value.
 */
export interface Outputs {
  readonly count: number;
  /** One value per output, or null when a value holds the separator (the caller falls back). */
  render(scope: Record<string, unknown>): string[] | null;
}

// Separates the outputs of the one liquidjs render.
const SEP = '\uE005\uE006';
const PATH = /^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?:\s*\|\s*default\s*:\s*(?:"([^"\\]*)"|'([^'\\]*)'))?$/;
// liquidjs reads these names as literals, and these keys as computed properties
const LITERALS = new Set(['nil', 'null', 'true', 'false', 'empty', 'blank']);
const COMPUTED = new Set(['size', 'first', 'last', 'toLiquid']);

interface Simple {
  path: string[];
  fallback: string | undefined;
}

export function compileOutputs(engine: Liquid, contents: string[]): Outputs {
  const template: Template[] = engine.parse(contents.map((c) => `{{ ${c} }}`).join(SEP));
  const escape = engine === htmlEngine;
  const simple = contents.map(simpleOf);
  const direct = simple.every((s): s is Simple => s !== null);
  const viaLiquid = (scope: object) => {
    const values = (engine.renderSync(template, scope) as string).split(SEP);
    return values.length === contents.length ? values : null;
  };
  return {
    count: contents.length,
    render(scope) {
      if (contents.length === 0) return [];
      if (direct) {
        const values: string[] = [];
        for (const s of simple as Simple[]) {
          const v = read(scope, s);
          if (v === undefined) return viaLiquid(scope);
          values.push(escape ? escapeHtml(v) : v);
        }
        return values;
      }
      return viaLiquid(scope);
    },
  };
}

function simpleOf(content: string): Simple | null {
  const m = PATH.exec(content);
  if (!m) return null;
  const path = m[1]!.split('.');
  if ((path.length === 1 && LITERALS.has(path[0]!)) || path.some((k) => COMPUTED.has(k))) return null;
  return { path, fallback: m[2] ?? m[3] };
}

const OBJECT = Object.prototype;

/** The output's text, or undefined when it is not a plain value of plain objects. */
function read(scope: Record<string, unknown>, s: Simple): string | undefined {
  let v: unknown = scope;
  for (const key of s.path) {
    if (v === null || v === undefined) break;
    if (typeof v !== 'object' || Array.isArray(v) || key in OBJECT) return undefined;
    const proto = Object.getPrototypeOf(v);
    if (proto !== OBJECT && proto !== null) return undefined;
    v = Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
  }
  if (s.fallback !== undefined && (v === '' || v === false || v === null || v === undefined)) v = s.fallback;
  if (typeof v === 'string') return v.length > 100_000 ? undefined : v; // long ones count against the render's memory limit
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

// liquidjs's escape filter, character for character (a quote is &#34;)
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };
function escapeHtml(s: string): string {
  return /[&<>"']/.test(s) ? s.replace(/&|<|>|"|'/g, (c) => ESCAPES[c]!) : s;
}
