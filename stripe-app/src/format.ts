/** Minor units (as Stripe and the backend count) to a localised amount, e.g. 1999 usd → $19.99. */
export function formatMoney(minor: number, currency: string | null | undefined, locale = 'en-US'): string {
  if (!currency) return new Intl.NumberFormat(locale).format(minor / 100);
  const format = new Intl.NumberFormat(locale, { style: 'currency', currency: currency.toUpperCase() });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

export function formatDate(unixSeconds: number | null | undefined, locale = 'en-US'): string {
  if (!unixSeconds) return '—';
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(new Date(unixSeconds * 1000));
}

export function formatNumber(value: number, locale = 'en-US'): string {
  return new Intl.NumberFormat(locale).format(value);
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
