import { describe, expect, it } from 'vitest';
import { simpleParser } from 'mailparser';
import { buildMime, encodeBody } from '../src/delivery/transports/mime.ts';
import type { OutgoingEmail } from '../src/delivery/transports/types.ts';

/**
 * Issue 20, bytes per message: each part goes in the shortest safe transfer encoding (7bit,
 * quoted-printable or base64) and a real MIME parser (mailparser, as mail clients do) reads
 * back exactly what was written.
 */
const email = (text: string, html: string): OutgoingEmail => ({
  channel: 'email',
  workspaceId: 1,
  deliveryId: 1,
  from: '"Maison Lumière" <news@shop.example>',
  to: 'ana@example.com',
  subject: 'Nos nouveautés',
  messageId: '<d1.w1@shop.example>',
  headers: { 'List-Unsubscribe': '<https://shop.example/u/1>' },
  text,
  html,
});

async function roundTrip(text: string, html: string) {
  const raw = buildMime(email(text, html), new Date('2026-03-02T09:00:00Z'));
  for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  expect(raw).not.toMatch(/[^\r]\n|\r[^\n]/); // CRLF only
  expect(raw).toMatch(/^[\x00-\x7f]*$/); // the message itself is 7-bit whatever the parts say
  const parsed = await simpleParser(raw);
  return { raw, parsed };
}

describe('MIME parts in the shortest safe encoding (issue 20)', () => {
  it('ASCII in short lines goes as 7bit, untouched (line ends as CRLF)', async () => {
    const html = '<html><body>\n<h1>Spring sale</h1>\n<p>Hello Ana, 30% off = a deal.</p>\n<p>.a line that starts with a dot</p>\n</body></html>';
    expect(encodeBody(html).encoding).toBe('7bit');
    const { parsed } = await roundTrip('Hello Ana\nSee you', html);
    expect(parsed.html).toBe(html); // mailparser gives line ends as \n
    expect(parsed.text).toBe('Hello Ana\nSee you');
    expect(parsed.subject).toBe('Nos nouveautés');
  });

  it('French text goes as quoted-printable, shorter than base64, and reads back exactly', async () => {
    const html = `<p>Bonjour Léa, découvrez nos créations d’été : robes, chapeaux et lunettes à prix réduits. Équipe « Maison » = qualité. </p>\n<p>${'Très long paragraphe sans retour à la ligne, '.repeat(40)}fin.</p>\t\n<p>=3D n'est pas un code</p>`;
    const enc = encodeBody(html);
    expect(enc.encoding).toBe('quoted-printable');
    expect(enc.text.length).toBeLessThan(Buffer.from(html).toString('base64').length);
    for (const line of enc.text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    const { parsed } = await roundTrip('Bonjour Léa', html);
    expect(parsed.html).toBe(html); // mailparser gives line ends as \n
    expect(parsed.text).toBe('Bonjour Léa');
  });

  it('mostly non-Latin text goes as base64; a long ASCII line is never sent as 7bit', async () => {
    const ja = '<p>' + 'こんにちは、春の新作をご覧ください。'.repeat(20) + '</p>';
    expect(encodeBody(ja).encoding).toBe('base64');
    const long = '<p>' + 'x'.repeat(1200) + '</p>';
    expect(encodeBody(long).encoding).toBe('quoted-printable');
    const { parsed } = await roundTrip('😀 emoji 👍', ja);
    expect(parsed.html).toBe(ja);
    expect(parsed.text).toBe('😀 emoji 👍');
    expect((await roundTrip('', long)).parsed.html).toBe(long);
  });

  it('trailing spaces and tabs before a line end survive (they are escaped)', async () => {
    const text = 'ligne avec espace \nligne avec tab\t\nfin ';
    expect(encodeBody(text + 'é').encoding).toBe('quoted-printable');
    const { parsed } = await roundTrip(text + 'é', '<p>é</p>');
    expect(parsed.text).toBe(text + 'é');
  });
});
