import { lookup } from 'node:dns/promises';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * Outbound webhooks must not reach the server's own network (SSRF): loopback, private,
 * link-local, unspecified, multicast and reserved addresses are refused, whatever name
 * leads to them, unless PARCOURS_WEBHOOKS_ALLOW_PRIVATE is set.
 */
const V4_BLOCKED: [number, number][] = [
  [0x00000000, 8], // 0.0.0.0/8 "this network", unspecified
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10 carrier-grade NAT
  [0x7f000000, 8], // 127/8 loopback
  [0xa9fe0000, 16], // 169.254/16 link-local (cloud metadata)
  [0xac100000, 12], // 172.16/12
  [0xc0a80000, 16], // 192.168/16
  [0xe0000000, 4], // 224/4 multicast
  [0xf0000000, 4], // 240/4 reserved, broadcast
];

function v4Number(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function v4Forbidden(n: number): boolean {
  return V4_BLOCKED.some(([net, bits]) => n >>> (32 - bits) === net >>> (32 - bits));
}

/** The 16 bytes of an IPv6 address (with '::' and a trailing dotted quad expanded). */
function v6Bytes(ip: string): number[] {
  let s = ip.replace(/^\[|\]$/g, '').split('%')[0];
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (quad) {
    const n = v4Number(quad[1]);
    s = s.slice(0, -quad[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const v = parseInt(g || '0', 16);
    return [v >> 8, v & 0xff];
  });
}

function v6Forbidden(b: number[]): boolean {
  const zeroUpTo = (n: number) => b.slice(0, n).every((x) => x === 0);
  const embeddedV4 = () => ((b[12] << 24) >>> 0) + (b[13] << 16) + (b[14] << 8) + b[15];
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) return v4Forbidden(embeddedV4()); // ::ffff:a.b.c.d
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.slice(4, 12).every((x) => x === 0))
    return v4Forbidden(embeddedV4()); // 64:ff9b::/96 NAT64
  if (zeroUpTo(12)) return true; // ::, ::1 and the deprecated IPv4-compatible ::a.b.c.d
  if ((b[0] & 0xfe) === 0xfc) return true; // fc00::/7 unique local
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0x80) return true; // fe80::/10 link-local
  if (b[0] === 0xfe && (b[1] & 0xc0) === 0xc0) return true; // fec0::/10 deprecated site-local
  if (b[0] === 0xff) return true; // ff00::/8 multicast
  return false;
}

export function isForbiddenAddress(ip: string): boolean {
  if (isIPv4(ip)) return v4Forbidden(v4Number(ip));
  if (isIPv6(ip.replace(/^\[|\]$/g, '').split('%')[0])) return v6Forbidden(v6Bytes(ip));
  return true; // not an address at all: refuse
}

export type Resolver = (host: string) => Promise<string[]>;
const systemResolver: Resolver = async (host) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Resolves the URL's host now (every address it has) and says why it may not be called, or
 * null when it may. A name with one forbidden address among public ones is refused too: the
 * connection could pick any of them.
 */
export async function refusalFor(url: URL, allowPrivate: boolean, resolve: Resolver = systemResolver): Promise<string | null> {
  const r = await checkedAddress(url, allowPrivate, resolve);
  return 'refusal' in r ? r.refusal : null;
}

/**
 * The same check, and the address it allowed: the caller connects to that address and no other
 * (a second resolution could answer differently: DNS rebinding). Null address: private
 * destinations are allowed, any will do.
 */
export async function checkedAddress(url: URL, allowPrivate: boolean, resolve: Resolver = systemResolver): Promise<{ refusal: string } | { address: string | null }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { refusal: `scheme ${url.protocol} is not allowed` };
  if (allowPrivate) return { address: null };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIPv4(host) || isIPv6(host) ? [host] : await resolve(host);
  if (addresses.length === 0) return { refusal: `${host} has no address` };
  const bad = addresses.find(isForbiddenAddress);
  return bad ? { refusal: `${host} resolves to ${bad}, a loopback, private, link-local or reserved address` } : { address: addresses[0] };
}
