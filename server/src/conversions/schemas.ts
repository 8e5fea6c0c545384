import { z } from 'zod';
import { currencyCode, promoCodeString } from '../catalog/schemas';
import { pageLimit, rangeEndParam, rangeStartParam } from '../http/validate';
import { pageOf, unixTime } from '../http/wire';

export const conversionStatus = z.enum(['credited', 'partially_refunded', 'refunded', 'flagged']);
export type ConversionStatus = z.infer<typeof conversionStatus>;

export const createConversionSchema = z
  .object({
    order_id: z.string().trim().min(1).max(200),
    amount: z.number().int().min(0).describe('Amount paid, in minor units (cents)'),
    currency: currencyCode,
    discount: z.number().int().min(0).optional(),
    email: z.email().max(254).optional().describe('The buyer’s email, to flag self-referrals'),
    coupon_code: promoCodeString.optional(),
    externalId: z.string().min(1).max(256).optional(),
    ref: z.string().min(1).max(2048).optional(),
  })
  .strict()
  .refine((input) => input.coupon_code || input.externalId || input.ref, {
    message: 'one of coupon_code, externalId or ref is required',
    path: ['coupon_code'],
  });
export type CreateConversionInput = z.infer<typeof createConversionSchema>;

/** What a list or sheet of conversions can be narrowed to. */
export const conversionFilters = z.object({
  creator: z.string().min(1).max(200).optional().describe('Only this creator’s, by id or handle'),
  campaign: z.string().min(1).max(200).optional().describe('Only this campaign’s'),
  status: conversionStatus.optional().describe('flagged: self-referrals'),
  from: rangeStartParam.optional().describe('Created (`created`) at or after: unix seconds, a date (UTC) or an ISO 8601 datetime'),
  to: rangeEndParam.optional().describe('Created before; a plain date includes that whole day'),
});

export const ordered = <S extends z.ZodType<{ from?: Date; to?: Date }>>(schema: S) =>
  schema.refine(({ from, to }) => !from || !to || from < to, { message: 'must be before to', path: ['from'] });

/*
 * Both strict, so a misspelt filter is refused rather than ignored: a list or sheet that silently
 * widened to every creator's conversions could be paid out as one creator's.
 */
export const listConversionsQuery = ordered(
  conversionFilters
    .extend({
      limit: pageLimit,
      starting_after: z.string().min(1).max(200).optional().describe('The last conversion id of the page before, for the next page'),
    })
    .strict(),
);
export type ListConversionsQuery = z.infer<typeof listConversionsQuery>;

export const exportConversionsQuery = ordered(
  conversionFilters
    .extend({
      commission_currency: currencyCode
        .optional()
        .describe('Only commission counted in this currency, as a payout pays it: a creator’s statement for a payout in USD lists no commission owed in EUR'),
    })
    .strict(),
);
export type ConversionFilters = z.infer<typeof exportConversionsQuery>;

export const downloadQuery = z.object({ token: z.string().min(1).max(4096) });

/** The Stripe App's conversions view: the overview's period as `from`/`to`, and an optional creator. */
export const appConversionsQuery = ordered(
  conversionFilters.pick({ creator: true, from: true, to: true }).extend({ starting_after: listConversionsQuery.shape.starting_after }),
);
export type AppConversionsQuery = z.infer<typeof appConversionsQuery>;

export const conversionResponse = z
  .object({
    id: z.string(),
    object: z.literal('conversion'),
    livemode: z.boolean(),
    kind: z.enum(['checkout', 'invoice', 'payment_intent', 'offline', 'reported']).describe('reported: a purchase a browser reported, counted because the org trusts browser reports'),
    creator: z.string(),
    creator_handle: z.string().nullable(),
    creator_name: z.string().nullable(),
    creator_email: z.string().nullable(),
    creator_customer_id: z.string().nullable(),
    campaign: z.string(),
    promo_code: z.string().nullable(),
    code: z.string().nullable(),
    click: z.string().nullable(),
    source: z.enum(['promotion_code', 'click', 'customer', 'subscription', 'coupon_code', 'referral']).describe('What attributed it to the creator'),
    status: conversionStatus,
    flag: z.enum(['self_referral']).nullable(),
    amount: z.number().int().describe('Minor units paid'),
    discount: z.number().int(),
    currency: z.string(),
    commission: z.number().int().describe('What remains after refunds, in minor units of `commission_currency`'),
    commission_currency: z.string(),
    refunded: z.number().int(),
    order_id: z.string().nullable(),
    stripe_checkout_session: z.string().nullable(),
    stripe_invoice: z.string().nullable(),
    stripe_subscription: z.string().nullable(),
    stripe_payment_intent: z.string().nullable(),
    stripe_charge: z.string().nullable(),
    stripe_customer: z.string().nullable(),
    created: unixTime,
  })
  .meta({ id: 'Conversion' });
export type ConversionResponse = z.infer<typeof conversionResponse>;

export const conversionPageResponse = pageOf(conversionResponse);
