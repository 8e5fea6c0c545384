import { z } from 'zod';
import { currencyCode } from '../catalog/schemas';
import { pageLimit, unixSeconds } from '../http/validate';
import { listOf, nullableTime, pageOf, unixTime } from '../http/wire';

const creatorParam = z.string().min(1).max(200);

export const balancesQuery = z
  .object({
    creator: creatorParam.optional().describe('Only this creator’s, by id or handle'),
    currency: currencyCode.optional(),
  })
  .strict();
export type BalancesQuery = z.infer<typeof balancesQuery>;

export const createPayoutSchema = z
  .object({
    creator: creatorParam.describe('The creator paid, by id or handle'),
    currency: currencyCode,
    amount: z
      .number()
      .int()
      .positive()
      .optional()
      .describe('What you paid, in minor units. When given it must equal what is due, or nothing is recorded (409 balance_changed).'),
    due_through: unixSeconds
      .optional()
      .describe('The `due_through` of the balance you paid from (unix seconds): commission that matured since is left for the next payout. Default: now less the hold period.'),
    reference: z.string().trim().min(1).max(200).optional().describe('Your reference for the transfer, such as a bank or PayPal transaction id'),
  })
  .strict();
export type CreatePayoutInput = z.infer<typeof createPayoutSchema>;

export const listPayoutsQuery = z
  .object({
    creator: creatorParam.optional().describe('Only this creator’s, by id or handle'),
    limit: pageLimit,
    starting_after: z.string().min(1).max(200).optional().describe('The last payout id of the page before, for the next page'),
  })
  .strict();
export type ListPayoutsQuery = z.infer<typeof listPayoutsQuery>;

/** The Stripe App's payout history, a page at a time, all creators' or one's; next to the App's own signed parameters. */
export const appPayoutsQuery = z.object(listPayoutsQuery.omit({ limit: true }).shape);
export type AppPayoutsQuery = z.infer<typeof appPayoutsQuery>;

export const creatorBalanceResponse = z
  .object({
    object: z.literal('creator_balance'),
    creator: z.string(),
    creator_handle: z.string().nullable(),
    currency: z.string(),
    due: z.number().int().describe('Earned less every payout; negative when refunds after a payout took back more than has been earned since'),
    pending: z.number().int().describe('Commission still in the hold period'),
    paid: z.number().int(),
    due_through: unixTime.describe('Conversions created before this are covered by `due` and `paid`; later ones are `pending`'),
    last_payout: z.string().nullable(),
  })
  .meta({ id: 'CreatorBalance' });
export type CreatorBalanceResponse = z.infer<typeof creatorBalanceResponse>;

export const payoutResponse = z
  .object({
    id: z.string(),
    object: z.literal('payout'),
    livemode: z.boolean(),
    creator: z.string(),
    creator_handle: z.string().nullable(),
    currency: z.string(),
    amount: z.number().int(),
    period: z
      .object({ start: nullableTime, end: unixTime })
      .describe('The conversions new in this payout were created in `[start, end)`: export them with these as `from` and `to`'),
    commission: z.number().int().describe('The commission of those conversions'),
    adjustments: z.number().int().describe('Refunds of conversions from earlier periods (negative) and conversions that arrived late for them'),
    reference: z.string().nullable(),
    created: unixTime,
  })
  .meta({ id: 'Payout' });
export type PayoutResponse = z.infer<typeof payoutResponse>;

export const balanceListResponse = listOf(creatorBalanceResponse);
export const payoutPageResponse = pageOf(payoutResponse);
