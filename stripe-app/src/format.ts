import type { ExtensionContextValue } from '@stripe/ui-extension-sdk/context';
import type { Rewards } from './types';

const FALLBACK_LOCALE = 'en-US';

/** The Dashboard user's locale, or en-US when the Dashboard gives none that Intl accepts. */
export function userLocale({ userContext }: Pick<ExtensionContextValue, 'userContext'>): string {
  try {
    return Intl.getCanonicalLocales(userContext.locale)[0] ?? FALLBACK_LOCALE;
  } catch {
    return FALLBACK_LOCALE;
  }
}

/*
 * Stripe's API amounts do not always have the currency's own decimals, which is what Intl knows.
 * Per Stripe's currency docs (docs.stripe.com/currencies), the currencies below are zero- and
 * three-decimal. Under "Special cases", ISK and UGX "transitioned to a zero-decimal
 * currency, but backward compatibility requires you to represent it as a two-decimal value" (so UGX,
 * though also in the zero-decimal list, is two-decimal in amounts), and HUF and TWD are zero-decimal
 * only for payouts, "even though you can charge two-decimal amounts". Every other currency is two.
 */
const ZERO_DECIMAL = new Set(['bif', 'clp', 'djf', 'gnf', 'jpy', 'kmf', 'krw', 'mga', 'pyg', 'rwf', 'vnd', 'vuv', 'xaf', 'xof', 'xpf']);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

const exponentOf = (currency: string | null | undefined) => {
  const code = currency?.toLowerCase() ?? '';
  return ZERO_DECIMAL.has(code) ? 0 : THREE_DECIMAL.has(code) ? 3 : 2;
};

/** Minor units as Stripe and the backend count them to main units, e.g. 1999 usd → 19.99, 500 isk → 5. */
export function toMajorUnits(minor: number, currency: string | null | undefined): number {
  return minor / 10 ** exponentOf(currency);
}

/** What a brand types (main units) as the backend counts it, e.g. 19.99 usd → 1999. */
export function toMinorUnits(major: number, currency: string): number {
  return Math.round(major * 10 ** exponentOf(currency));
}

/** A localised amount, e.g. 1999 usd → $19.99; Intl picks only how many decimals to print. */
export function formatMoney(minor: number, currency: string | null | undefined, locale: string): string {
  const amount = toMajorUnits(minor, currency);
  if (!currency) return new Intl.NumberFormat(locale).format(amount);
  return new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() }).format(amount);
}

export function formatDate(unixSeconds: number | null | undefined, locale: string): string {
  if (!unixSeconds) return '—';
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(unixSeconds * 1000));
}

export function formatNumber(value: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** A rewards balance in words, points first: "120 points · $5.00". */
export function describeRewards(rewards: Rewards, locale: string): string {
  return rewards.balances
    .map((each) => (each.unit === 'points' ? `${formatNumber(each.balance, locale)} points` : formatMoney(each.balance, each.unit, locale)))
    .join(' · ');
}

const SOURCE_LABELS: Record<string, string> = {
  promotion_code: 'promo code at checkout',
  coupon_code: 'code entered offline',
  click: 'referral link',
  customer: 'referral link, bound at signup',
  subscription: 'earlier purchase of this subscription',
  referral: 'referral sent with the order',
};

/** How a conversion was attributed, in words a brand understands. */
export const describeSource = (source: string) => SOURCE_LABELS[source] ?? source;
