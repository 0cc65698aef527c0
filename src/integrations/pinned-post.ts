import http from 'node:http';
import https from 'node:https';
import { isIPv6 } from 'node:net';
import type { LookupFunction } from 'node:net';

export interface PostAnswer {
  status: number;
}

/**
 * POSTs to `url` connecting to `address` only: the one the guard checked (issue 16). fetch would
 * resolve the name again, and a name that answers a public address to the check and a private
 * one to the connection (DNS rebinding) would get through. Node's fetch takes no resolver
 * without the undici package; node:http takes a `lookup`. TLS still checks the certificate
 * against the URL's host name (SNI and verification use the host, not the address).
 */
export function postPinned(url: URL, address: string | null, headers: Record<string, string>, body: string, timeoutMs: number): Promise<PostAnswer> {
  const family = address && isIPv6(address) ? 6 : 4;
  const lookup: LookupFunction | undefined = address
    ? (_host, opts, cb) => {
        if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
        else cb(null, address, family);
      }
    : undefined;
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, lookup, timeout: timeoutMs }, (res) => {
      res.resume(); // the body is not read: only the status counts
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { name: 'TimeoutError' })));
    req.on('error', reject);
    req.end(body);
  });
}
