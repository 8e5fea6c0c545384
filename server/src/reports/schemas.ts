import { z } from 'zod';
import { rangeEndParam, rangeStartParam } from '../http/validate';
import { unixTime } from '../http/wire';

const DAY_MS = 86_400_000;

/**
 * `from` inclusive, `to` exclusive, as unix seconds, ISO datetimes or plain dates; a plain-date `to`
 * includes that whole day. Defaults to the 30 days before now.
 */
export const reportQuery = z
  .object({ from: rangeStartParam.optional(), to: rangeEndParam.optional() })
  .transform(({ from, to }, ctx) => {
    const end = to ?? new Date();
    const start = from ?? new Date(end.getTime() - 30 * DAY_MS);
    if (start >= end) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before to' });
    return { from: start, to: end };
  });

/** A report's figures; amounts in integer minor units of the report's currency. */
export const reportRow = z.object({
  clicks: z.number().int(),
  signups: z.number().int(),
  conversions: z.number().int(),
  revenue: z.number().int(),
  discounts: z.number().int(),
  commission: z.number().int(),
  refunds: z.number().int(),
  self_referrals: z.number().int().describe('Purchases by the creator themself: counted here, and in none of the figures above'),
});
export type Row = z.infer<typeof reportRow>;

/** Conversions and commission in a currency the report's figures leave out. */
export const otherCurrency = z.object({ currency: z.string(), conversions: z.number().int(), commission: z.number().int() });
export type OtherCurrency = z.infer<typeof otherCurrency>;

export const reportResponse = z
  .object({
    object: z.literal('report'),
    from: unixTime,
    to: unixTime,
    currency: z.string().describe('The currency of most conversions; the figures are in it'),
    other_currencies: z.array(otherCurrency),
    totals: reportRow,
    campaigns: z.array(reportRow.extend({ campaign_id: z.string(), title: z.string() })),
    creators: z.array(
      reportRow.extend({
        creator_id: z.string(),
        handle: z.string(),
        name: z.string(),
        avatar_url: z.string().nullable(),
        email: z.string().nullable(),
        customer_id: z.string().nullable(),
        first_name: z.string().nullable(),
        last_name: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: 'Report' });
export type ReportResponse = z.infer<typeof reportResponse>;
