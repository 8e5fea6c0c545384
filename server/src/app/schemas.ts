import { z } from 'zod';
import { campaignResponse, createCreatorSchema, createPromoCodeSchema, creatorResponse, promoCodeResponse, promoCodeString } from '../catalog/schemas';
import { conversionPageResponse, conversionResponse } from '../conversions/schemas';
import { nullableTime, pageOf, unixTime } from '../http/wire';
import { apiKeyResponse, createApiKeySchema, orgResponse } from '../orgs/schemas';
import { balanceListResponse, payoutResponse } from '../payouts/schemas';
import { otherCurrency, reportRow } from '../reports/schemas';
import { rewardBalancesResponse } from '../rewards/schemas';
import { webhookEndpointResponse } from '../webhooks/schemas';

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

/** Whether this Dashboard user may change things; `message` says how to get a grant when not. */
export const appAccessResponse = z.object({ object: z.literal('app_access'), user_id: z.string(), granted: z.boolean(), message: z.string().nullable() });

/** A code as the drawer shows it, with the link a creator shares. */
export const appPromoCodeResponse = promoCodeResponse.extend({ share_url: z.string().nullable() }).meta({ id: 'AppPromoCode' });
export type AppPromoCodeResponse = z.infer<typeof appPromoCodeResponse>;

export const appCreatorResponse = creatorResponse.extend({ promo_codes: z.array(appPromoCodeResponse) });
export type AppCreatorResponse = z.infer<typeof appCreatorResponse>;

/** What the views show of a balance: points, and any fixed-amount rewards per currency. */
export const appRewardSummary = rewardBalancesResponse.pick({ points: true, balances: true });
export type AppRewardSummary = z.infer<typeof appRewardSummary>;

export const appOverviewResponse = z
  .object({
    object: z.literal('app_overview'),
    livemode: z.boolean(),
    period: overviewQuery.shape.period.unwrap(),
    from: unixTime,
    to: unixTime,
    currency: z.string(),
    other_currencies: z.array(otherCurrency),
    totals: reportRow,
    campaigns: z.array(campaignResponse.extend({ figures: reportRow })),
    creators: z.array(appCreatorResponse.extend({ figures: reportRow, rewards: appRewardSummary.describe('All-time balances: points are spent whenever, not per period') })),
    access: appAccessResponse,
  })
  .meta({ id: 'AppOverview' });
export type AppOverviewResponse = z.infer<typeof appOverviewResponse>;

export const appSettingsResponse = z
  .object({
    object: z.literal('app_settings'),
    livemode: z.boolean(),
    org: orgResponse,
    api_keys: z.array(apiKeyResponse),
    webhook_endpoints: z.array(webhookEndpointResponse),
    pixel: z.array(
      z.object({
        domain: z.string(),
        allowed: z.boolean().describe("One of the org's domains"),
        last_seen: nullableTime.describe('The last install heartbeat from it'),
        page_url: z.string().nullable(),
      }),
    ),
    creator_email: z.object({ configured: z.boolean().describe('Whether this server can email creators (SMTP is set up)') }),
    access: appAccessResponse,
  })
  .meta({ id: 'AppSettings' });
export type AppSettingsResponse = z.infer<typeof appSettingsResponse>;

export const appConversionsResponse = conversionPageResponse.extend({
  download_path: z.string().describe('Every conversion of the filters as CSV: open it on this server within 15 minutes'),
});
export const appBalancesResponse = balanceListResponse.extend({ payout_hold_days: z.number().int() });
export const appPayoutsResponse = pageOf(payoutResponse.extend({ statement_path: z.string().describe("The payout's conversions as CSV, for 15 minutes") }));

export const customerAttributionResponse = z
  .object({
    object: z.literal('customer_attribution'),
    customer: z.string(),
    livemode: z.boolean(),
    referral: conversionResponse.nullable().describe('The oldest counted conversion: who referred the customer'),
    signup_referral: z
      .object({
        creator: z.string(),
        creator_handle: z.string().nullable(),
        code: z.string(),
        campaign: z.string(),
        source: z.literal('customer'),
        click: z.string().nullable(),
        referred_at: unixTime,
      })
      .nullable()
      .describe('The referral bound at signup to the user behind this customer, when its metadata names the user'),
    totals: z.array(z.object({ currency: z.string(), revenue: z.number().int(), commission: z.number().int() })),
    conversions: z.array(conversionResponse),
    rewards: appRewardSummary.nullable().describe("The customer's own rewards as a referred friend, when their user id is known"),
  })
  .meta({ id: 'CustomerAttribution' });
export type CustomerAttributionResponse = z.infer<typeof customerAttributionResponse>;

export const paymentAttributionResponse = z
  .object({ object: z.literal('payment_attribution'), payment: z.string(), livemode: z.boolean(), conversion: conversionResponse.nullable() })
  .meta({ id: 'PaymentAttribution' });

export const portalInvitationResponse = z.object({ object: z.literal('portal_invitation'), creator: z.string(), sent: z.literal(true) });
