import { formatMoney, userLocale } from '../src/format';
import { viewContext } from './backend';

describe('formatMoney', () => {
  it('reads amounts in Stripe’s minor units, which are not always the currency’s own', () => {
    // Two-decimal in Stripe's amounts, though Intl knows them as zero-decimal.
    expect(formatMoney(50_000, 'isk', 'en-US')).toBe('ISK\u00a0500');
    expect(formatMoney(500_000, 'ugx', 'en-US')).toBe('UGX\u00a05,000');
    expect(formatMoney(123_400, 'huf', 'en-US')).toBe('HUF\u00a01,234');

    expect(formatMoney(80_045, 'twd', 'en-US')).toBe('NT$800.45');
    expect(formatMoney(500, 'jpy', 'en-US')).toBe('¥500');
    expect(formatMoney(5_120, 'kwd', 'en-US')).toBe('KWD\u00a05.120');
    expect(formatMoney(1_999, 'usd', 'en-US')).toBe('$19.99');
    expect(formatMoney(1_999, null, 'en-US')).toBe('19.99');
  });
});

describe('userLocale', () => {
  const withLocale = (locale: unknown) => {
    const context = viewContext('settings');
    return { ...context, userContext: { ...context.userContext, locale: locale as string } };
  };

  it('is the Dashboard user’s locale, or en-US when the Dashboard gives none Intl accepts', () => {
    expect(userLocale(withLocale('de-DE'))).toBe('de-DE');
    expect(userLocale(withLocale('fr'))).toBe('fr');
    expect(userLocale(withLocale(undefined))).toBe('en-US');
    expect(userLocale(withLocale(''))).toBe('en-US');
    expect(userLocale(withLocale('en_GB'))).toBe('en-US');
  });
});
