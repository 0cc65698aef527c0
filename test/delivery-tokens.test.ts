import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hmac, signToken, verifyToken } from '../src/delivery/tokens.ts';

describe('token signatures (M-3)', () => {
  it('hmac is HMAC-SHA256 for secrets shorter than, as long as and longer than a block', () => {
    for (const secret of ['k', 'x'.repeat(64), 'y'.repeat(65), 'bench-secret-bench-secret-bench-secret', 'clé 🔑'.repeat(20)])
      for (const data of ['', 'delivery.WzEsMiwzXQ', 'url.42\nhttps://shop.example/é?a=1&b=2', 'z'.repeat(1000)])
        expect(hmac(secret, data).toString('hex')).toBe(createHmac('sha256', secret).update(data).digest('hex'));
  });

  it('a token signed with one secret verifies with it only', () => {
    const t = signToken('secret-one', 'delivery', [1, 2, 3]);
    expect(verifyToken('secret-one', 'delivery', t)).toEqual([1, 2, 3]);
    expect(verifyToken('secret-two', 'delivery', t)).toBeNull();
    expect(verifyToken('secret-one', 'unsubscribe', t)).toBeNull();
  });
});
