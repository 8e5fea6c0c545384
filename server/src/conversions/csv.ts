import { stringify } from 'csv-stringify/sync';
import { pacer } from './pace';
import type { presentConversion } from './present';

type PresentedConversion = ReturnType<typeof presentConversion>;

/** The sheet's columns, named as the API's fields. Amounts stay in minor units, as everywhere in the API. */
const COLUMNS = [
  'created',
  'id',
  'status',
  'creator',
  'creator_handle',
  'campaign',
  'code',
  'source',
  'kind',
  'currency',
  'amount',
  'discount',
  'refunded',
  'commission',
  'order_id',
  'stripe_payment_intent',
  'stripe_invoice',
  'stripe_subscription',
  'stripe_customer',
  // Added after the others, so sheets and scripts reading columns by position keep working.
  'commission_currency',
  'creator_name',
  'creator_email',
  'creator_customer_id',
] as const satisfies readonly (keyof PresentedConversion)[];

/**
 * A creator's own statement (the creator portal): what each sale earned them, without what
 * identifies the buyer or their order to someone outside the brand, nor the brand's own id for the creator.
 */
export const CREATOR_STATEMENT_COLUMNS = COLUMNS.filter(
  (column) => !['order_id', 'stripe_payment_intent', 'stripe_invoice', 'stripe_subscription', 'stripe_customer', 'creator_customer_id'].includes(column),
);

/**
 * Conversions as CSV for the people who pay creators. Times are ISO 8601 in UTC, which every
 * spreadsheet reads. Cells that a spreadsheet would run as a formula (an order id such as `=HYPERLINK(…)`, a handle such as `-1+1`)
 * are prefixed with `'`, as OWASP advises for CSV exports.
 */
export function conversionsCsv(conversions: PresentedConversion[], columns: readonly (keyof PresentedConversion)[] = COLUMNS): string {
  return sheetRows(conversions, columns, true);
}

// Small enough that a slice is a millisecond or two even on loaded cores; `pacer` decides when to yield.
const SHEET_SLICE = 100;

/** The same sheet for a server's answer, written a slice of rows at a time so other requests are served in between. */
export async function conversionsCsvInSlices(conversions: PresentedConversion[]): Promise<string> {
  const pace = pacer();
  const parts = [sheetRows(conversions.slice(0, SHEET_SLICE), COLUMNS, true)];
  for (let start = SHEET_SLICE; start < conversions.length; start += SHEET_SLICE) {
    await pace();
    parts.push(sheetRows(conversions.slice(start, start + SHEET_SLICE), COLUMNS, false));
  }
  return parts.join('');
}

function sheetRows(conversions: PresentedConversion[], columns: readonly (keyof PresentedConversion)[], header: boolean): string {
  const rows = conversions.map((conversion) => ({ ...conversion, created: new Date(conversion.created! * 1000).toISOString() }));
  return stringify(rows, { header, columns: [...columns], escape_formulas: true });
}
