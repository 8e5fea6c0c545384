import { describe, expect, it } from 'vitest';
import { newId, randomHex } from '../../server/src/crypto';

describe('random ids', () => {
  it('draws fresh hex of the asked length, across refills of the pool', () => {
    // 1,000 draws of 12 bytes use up the 4,096-byte pool twice.
    const ids = Array.from({ length: 1000 }, () => randomHex(12));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect(randomHex(5)).toMatch(/^[0-9a-f]{10}$/);
  });

  it('prefixes ids Stripe-style', () => {
    expect(newId('req')).toMatch(/^req_[0-9a-f]{24}$/);
  });
});
