import type { Template } from 'liquidjs';
import { parseTemplate, renderScope, textEngine, type RenderVars } from './engines.ts';

export interface CompiledSms {
  readonly template: Template[];
  readonly source: string;
}

export function compileSms(text: string): CompiledSms {
  return { template: parseTemplate(textEngine, text, 'text'), source: text };
}

export function renderSms(compiled: CompiledSms, vars: RenderVars): string {
  return textEngine.renderSync(compiled.template, renderScope(vars));
}

export interface SmsSegments {
  encoding: 'GSM-7' | 'UCS-2';
  /** Units billed against the limit: septets for GSM-7 (extension characters count 2), UTF-16 code units for UCS-2. */
  characters: number;
  segments: number;
  /** Capacity of each segment: 160 or 70 for a single message, 153 or 67 once split (the rest is the UDH). */
  per_segment: number;
}

// GSM 03.38 default alphabet (0x1B, the escape, excluded) and its extension table.
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('\f^{}\\[]~|€');

const LIMITS = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
} as const;

/**
 * Segment count as a carrier bills it. One character outside GSM-7 switches the whole message to
 * UCS-2 (French ç, ê, â, œ do; é, è, à do not). A split never cuts an escape pair or a surrogate
 * pair in two, so a long message may take one more segment than characters / per_segment.
 */
export function smsSegments(text: string): SmsSegments {
  const units: number[] = [];
  let encoding: SmsSegments['encoding'] = 'GSM-7';
  for (const ch of text) {
    if (GSM_BASIC.has(ch)) units.push(1);
    else if (GSM_EXTENSION.has(ch)) units.push(2);
    else {
      encoding = 'UCS-2';
      break;
    }
  }
  if (encoding === 'UCS-2') {
    units.length = 0;
    for (const ch of text) units.push(ch.length);
  }
  const characters = units.reduce((a, b) => a + b, 0);
  const limit = LIMITS[encoding];
  if (characters <= limit.single) return { encoding, characters, segments: characters === 0 ? 0 : 1, per_segment: limit.single };
  let segments = 1;
  let used = 0;
  for (const u of units) {
    if (used + u > limit.multi) {
      segments++;
      used = 0;
    }
    used += u;
  }
  return { encoding, characters, segments, per_segment: limit.multi };
}
