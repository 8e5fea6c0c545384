import { formatMoney } from '../src/format';

describe('formatMoney', () => {
  it('reads amounts in Stripe’s minor units, which are not always the currency’s own', () => {
    // Two-decimal in Stripe's amounts, though Intl knows them as zero-decimal.
    expect(formatMoney(50_000, 'isk')).toBe('ISK\u00a0500');
    expect(formatMoney(500_000, 'ugx')).toBe('UGX\u00a05,000');
    expect(formatMoney(123_400, 'huf')).toBe('HUF\u00a01,234');

    expect(formatMoney(80_045, 'twd')).toBe('NT$800.45');
    expect(formatMoney(500, 'jpy')).toBe('¥500');
    expect(formatMoney(5_120, 'kwd')).toBe('KWD\u00a05.120');
    expect(formatMoney(1_999, 'usd')).toBe('$19.99');
    expect(formatMoney(1_999, null)).toBe('19.99');
  });
});
