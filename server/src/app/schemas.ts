import { z } from 'zod';
import { createCreatorSchema, createPromoCodeSchema, promoCodeString } from '../catalog/schemas';
import { createApiKeySchema } from '../orgs/schemas';

/** Who the Dashboard signs for (`userContext`): the first fields of every signed payload, in this order. */
export const appIdentitySchema = z.object({
  user_id: z.string().min(1).max(255),
  account_id: z.string().regex(/^acct_[A-Za-z0-9]{1,64}$/, 'must be a Stripe account id such as acct_123'),
});
export type AppIdentity = z.infer<typeof appIdentitySchema>;

/** `environment.mode` of the Dashboard: test and live data never mix. */
export const appModeSchema = z.object({ mode: z.enum(['live', 'test']) });
export type AppMode = z.infer<typeof appModeSchema>['mode'];

/**
 * What a view signs besides its identity (`fetchStripeSignature({mode, method, path})`), so that a
 * signature works for one request's mode, method and path only; the server fills it in from the
 * request it got, in this order.
 */
export interface AppRequestScope {
  mode: AppMode;
  method: string;
  path: string;
}

export const overviewQuery = z.object({ period: z.enum(['7d', '30d', '90d', '365d']).default('30d') });
export type Period = z.infer<typeof overviewQuery>['period'];
export const PERIOD_DAYS: Record<Period, number> = { '7d': 7, '30d': 30, '90d': 90, '365d': 365 };

/** The drawer's form: a creator (new, or an existing handle) and their code in one campaign. */
export const createCreatorWithCodeSchema = createCreatorSchema.extend({
  campaign: createPromoCodeSchema.shape.campaign,
  code: promoCodeString,
});
export type CreateCreatorWithCodeInput = z.infer<typeof createCreatorWithCodeSchema>;

/** Keys are made for the mode the Dashboard is in, so the mode is not a field. */
export const appCreateApiKeySchema = createApiKeySchema.omit({ livemode: true });

export const customerIdSchema = z.string().regex(/^cus_[A-Za-z0-9]{1,255}$/, 'must be a Stripe customer id such as cus_123');
/** The payment detail page is about a payment intent or a charge; some bank debits' charges are `py_…`. */
export const paymentIdSchema = z.string().regex(/^(pi|ch|py)_[A-Za-z0-9]{1,255}$/, 'must be a payment intent (pi_…) or charge (ch_… or py_…) id');
