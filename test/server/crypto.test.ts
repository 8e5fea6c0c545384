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

  it('prefixes ids Stripe-style, in the order they were made', async () => {
    const before = Date.now();
    const first = newId('clk');
    expect(first).toMatch(/^clk_[0-9a-f]{27}$/);
    expect(parseInt(first.slice(4, 15), 16)).toBeGreaterThanOrEqual(before);
    expect(parseInt(first.slice(4, 15), 16)).toBeLessThanOrEqual(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 2));
    const later = Array.from({ length: 100 }, () => newId('clk'));
    for (const id of later) expect(id > first).toBe(true);
    // Within one millisecond the random part tells them apart.
    expect(new Set(later).size).toBe(100);
  });
});
