import { z } from 'zod';
import { currencyCode } from '../catalog/schemas';
import { pageLimit, unixSeconds } from '../http/validate';

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
