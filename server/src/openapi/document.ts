import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import {
  appBalancesResponse,
  appConversionsResponse,
  appCreateApiKeySchema,
  appCreatorResponse,
  appIdentitySchema,
  appModeSchema,
  appOverviewResponse,
  appPayoutsResponse,
  appPromoCodeResponse,
  appSettingsResponse,
  createCreatorWithCodeSchema,
  customerAttributionResponse,
  customerIdSchema,
  overviewQuery,
  paymentAttributionResponse,
  paymentIdSchema,
  portalInvitationResponse,
} from '../app/schemas';
import {
  campaignResponse,
  createCampaignSchema,
  createCreatorSchema,
  createPromoCodeSchema,
  creatorResponse,
  listCreatorsQuery,
  listPromoCodesQuery,
  promoCodeResponse,
  updatePromoCodeSchema,
} from '../catalog/schemas';
import {
  appConversionsQuery,
  conversionPageResponse,
  conversionResponse,
  createConversionSchema,
  downloadQuery,
  exportConversionsQuery,
  listConversionsQuery,
} from '../conversions/schemas';
import {
  assignReferralCodeSchema,
  couponBankListResponse,
  couponBankResponse,
  createCouponBankSchema,
  referralCodeResponse,
  uploadCodesResponse,
  uploadCodesSchema,
} from '../coupon-banks/schemas';
import { creatorImportResponse, importCreatorsSchema } from '../creator-import/schemas';
import { errorResponseSchema } from '../http/errors';
import { identifySchema, lookupResponse, lookupSchema } from '../customers/schemas';
import { listOf } from '../http/wire';
import { apiKeyResponse, createApiKeySchema, orgResponse, updateOrgSchema } from '../orgs/schemas';
import { appPayoutsQuery, balanceListResponse, balancesQuery, createPayoutSchema, listPayoutsQuery, payoutPageResponse, payoutResponse } from '../payouts/schemas';
import { inviteParams } from '../portal/schemas';
import {
  listReportsQuery,
  referralCodeValidationResponse,
  referralReportPageResponse,
  trackedResponse,
  trackPurchaseSchema,
  trackSignupSchema,
  trackVisitResponse,
  trackVisitSchema,
  validateReferralCodeQuery,
} from '../referrals/schemas';
import { reportQuery, reportResponse } from '../reports/schemas';
import { ledgerQuery, participantQuery, redeemSchema, rewardBalancesResponse, rewardEntryResponse, rewardLedgerResponse } from '../rewards/schemas';
import { stripeWebhookResponse } from '../stripe/schemas';
import {
  browserClickResponse,
  browserClickSchema,
  codeValidationResponse,
  heartbeatResponse,
  serverClickResponse,
  serverClickSchema,
  validateCodeQuery,
  verifySchema,
} from '../tracking/schemas';
import {
  createEndpointSchema,
  deletedEndpointResponse,
  deliveryPageResponse,
  endpointListResponse,
  eventPageResponse,
  eventResponse,
  listDeliveriesQuery,
  listEventsQuery,
  rollSecretSchema,
  updateEndpointSchema,
  webhookDeliveryResponse,
  webhookEndpointResponse,
} from '../webhooks/schemas';

/**
 * The public API as an OpenAPI 3.1 document, built from the zod schemas the routes validate with,
 * so the reference cannot drift from what the service accepts. Served at GET /api/openapi.json.
 * Each success response declares the schema its presenter's return type is inferred from, so a
 * generated client is typed; test/openapi checks real responses of every route against them.
 */

/** This document: OpenAPI 3.1, described only as far as a client needs to recognise it. */
const openApiResponse = z.object({ openapi: z.string(), info: z.object({ title: z.string(), version: z.string() }).loose(), paths: z.record(z.string(), z.unknown()) }).loose();
/** A CLI command's result, whatever the command prints (cli/commands.ts). */
const operatorResponse = z.object({ result: z.unknown() });

const pixelResponses = {
  200: { description: 'JavaScript, brotli or gzip when accepted', content: { 'text/javascript': { schema: z.string() } } },
  304: { description: 'Not modified: the ETag sent in If-None-Match is current' },
};

type Scope = 'referrals' | 'tracking' | 'admin';
const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema: z.ZodType) => ({ description, ...json(schema) });
const errors = { default: ok('An error', errorResponseSchema) };
const idParam = (description: string, schema: z.ZodType = z.string()) => z.object({ id: schema.describe(description) });
// Query fields the Stripe App's views send with every request (app/auth.ts).
const appQuery = appIdentitySchema.extend(appModeSchema.shape);

function buildDocument() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key: `so_live_…` acts on live data, `so_test_…` on test data. Each route needs one scope.',
  });
  registry.registerComponent('securitySchemes', 'stripeAppSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'Stripe-Signature',
    description: "The Dashboard's signature over {user_id, account_id} (fetchStripeSignature()); see docs/stripe-app.md.",
  });
  registry.registerComponent('securitySchemes', 'stripeWebhookSignature', {
    type: 'apiKey',
    in: 'header',
    name: 'Stripe-Signature',
    description: 'Stripe’s webhook signature, checked against STRIPE_WEBHOOK_SECRET / STRIPE_TEST_WEBHOOK_SECRET.',
  });

  const route = (config: RouteConfig & { scope?: Scope }) => {
    const { scope, ...rest } = config;
    registry.registerPath({
      ...rest,
      ...(scope && { security: [{ apiKey: [scope] }], description: `${rest.description ?? ''}\n\nScope: \`${scope}\`.`.trim() }),
      responses: { ...rest.responses, ...errors },
    });
  };
  const app = (config: RouteConfig) =>
    route({ ...config, tags: ['Stripe App'], security: [{ stripeAppSignature: [] }], request: { ...config.request, query: config.request?.query ?? appQuery } });

  // Customers (seed 000 steps 2 and 3)
  route({
    method: 'post',
    path: '/api/customers/identify',
    tags: ['Customers'],
    summary: 'Bind a referral to your user',
    description: 'Call from your signup handler with the raw `shoutout_ref` cookie. Idempotent on (org, externalId).',
    scope: 'referrals',
    request: { body: json(identifySchema) },
    responses: { 204: { description: 'Bound; no body' } },
  });
  route({
    method: 'get',
    path: '/api/customers',
    tags: ['Customers'],
    summary: "Look up a user's creator, campaign and discount",
    scope: 'referrals',
    request: { query: lookupSchema },
    responses: { 200: ok('The referral, or data: null', lookupResponse) },
  });
  route({
    method: 'post',
    path: '/api/customers/lookup',
    tags: ['Customers'],
    summary: 'The same lookup with the id in the body, out of URLs and access logs',
    scope: 'referrals',
    request: { body: json(lookupSchema) },
    responses: { 200: ok('The referral, or data: null', lookupResponse) },
  });

  // Tracking: the pixel and seed 003's server-side API
  route({
    method: 'get',
    path: '/api/script.js',
    tags: ['Tracking'],
    summary: 'The pixel',
    responses: pixelResponses,
  });
  route({
    method: 'get',
    path: '/api/referral-tracker.js',
    tags: ['Tracking'],
    summary: 'The pixel with Blitz Rocket’s settings in its query string and its signup and purchase calls',
    responses: pixelResponses,
  });
  route({
    method: 'post',
    path: '/api/track/click',
    tags: ['Tracking'],
    summary: "The pixel's click",
    description: "Sent as text/plain (no CORS preflight); checked against the page's Origin/Referer and the org's domains.",
    request: { body: { content: { 'text/plain': { schema: browserClickSchema }, 'application/json': { schema: browserClickSchema } } } },
    responses: { 200: ok('The signed referral (`ref`), click id, creator and discount', browserClickResponse) },
  });
  route({
    method: 'post',
    path: '/api/tracking/click',
    tags: ['Tracking'],
    summary: 'Server-side click (apps, redirects)',
    description: 'With a key that has the `tracking` scope, or keyless and checked by Origin like the pixel.',
    security: [{ apiKey: ['tracking'] }, {}],
    request: { body: json(serverClickSchema) },
    responses: { 200: ok('The click, or why it was ignored', serverClickResponse) },
  });
  route({
    method: 'post',
    path: '/api/tracking/verify',
    tags: ['Tracking'],
    summary: 'Install heartbeat',
    security: [{ apiKey: ['tracking'] }, {}],
    request: { body: json(verifySchema) },
    responses: { 200: ok('The domain the heartbeat counted for', heartbeatResponse) },
  });
  route({
    method: 'get',
    path: '/api/codes/{code}/validate',
    tags: ['Tracking'],
    summary: 'Whether a code typed by hand is usable',
    security: [{ apiKey: ['tracking'] }, {}],
    request: { params: z.object({ code: z.string().max(64) }), query: validateCodeQuery },
    responses: { 200: ok('Whether it is usable, with its creator and discount', codeValidationResponse) },
  });

  // Conversions and reports
  route({
    method: 'post',
    path: '/api/conversions',
    tags: ['Conversions'],
    summary: 'Record an offline or non-Stripe order',
    description: 'Idempotent on order_id: 201 the first time, 200 with the same conversion after.',
    scope: 'referrals',
    request: { body: json(createConversionSchema) },
    responses: { 201: ok('The conversion', conversionResponse), 200: ok('The conversion recorded earlier for this order_id', conversionResponse) },
  });
  route({
    method: 'get',
    path: '/api/conversions',
    tags: ['Conversions'],
    summary: 'List conversions, newest first',
    description: 'A page at a time: pass the last id of a page as `starting_after` while `has_more` is true. Unknown params are refused.',
    scope: 'admin',
    request: { query: listConversionsQuery },
    responses: { 200: ok('A page of conversions', conversionPageResponse) },
  });
  route({
    method: 'get',
    path: '/api/conversions/export',
    tags: ['Conversions'],
    summary: 'Every matching conversion as CSV',
    description: 'The same filters as the list, without paging. Amounts in minor units; times in UTC.',
    scope: 'admin',
    request: { query: exportConversionsQuery },
    responses: { 200: { description: 'A CSV file (attachment)', content: { 'text/csv': { schema: z.string() } } } },
  });
  route({
    method: 'get',
    path: '/api/downloads/conversions',
    tags: ['Conversions'],
    summary: 'The CSV export behind a Stripe App download link',
    description: 'The token, from `GET /api/app/conversions`, is the only credential: good for 15 minutes, for one org, mode and set of filters.',
    request: { query: downloadQuery },
    responses: { 200: { description: 'A CSV file (attachment)', content: { 'text/csv': { schema: z.string() } } } },
  });
  route({
    method: 'get',
    path: '/api/conversions/{id}',
    tags: ['Conversions'],
    summary: 'One conversion',
    scope: 'admin',
    request: { params: idParam('conv_…') },
    responses: { 200: ok('The conversion', conversionResponse) },
  });
  // Payouts
  route({
    method: 'get',
    path: '/api/payouts/balances',
    tags: ['Payouts'],
    summary: 'What each creator is due, pending and paid, per currency',
    description: 'Commission is due once its conversion is older than the org’s `payout_hold_days`; `due` is what has been earned less every payout, so it can be negative after a refund.',
    scope: 'admin',
    request: { query: balancesQuery },
    responses: { 200: ok('Every balance, most due first', balanceListResponse) },
  });
  route({
    method: 'post',
    path: '/api/payouts',
    tags: ['Payouts'],
    summary: 'Record that a creator was paid everything due in one currency',
    description: 'Pass the `amount` you paid to record it only if it is still what is due (409 `balance_changed` otherwise). 422 `nothing_due` when nothing is.',
    scope: 'admin',
    request: { body: json(createPayoutSchema) },
    responses: { 201: ok('The payout', payoutResponse) },
  });
  route({
    method: 'get',
    path: '/api/payouts',
    tags: ['Payouts'],
    summary: 'List payouts, newest first',
    scope: 'admin',
    request: { query: listPayoutsQuery },
    responses: { 200: ok('A page of payouts', payoutPageResponse) },
  });
  route({
    method: 'get',
    path: '/api/payouts/{id}',
    tags: ['Payouts'],
    summary: 'One payout',
    scope: 'admin',
    request: { params: idParam('po_…') },
    responses: { 200: ok('The payout', payoutResponse) },
  });
  // Rewards: points and fixed amounts for advocates (creators) and friends (referred customers)
  route({
    method: 'get',
    path: '/api/rewards/balances',
    tags: ['Rewards'],
    summary: "A creator's or a referred customer's reward balance, per unit",
    description: 'Give `creator` (id or handle) or `externalId` (the user id you pass to identify, hashed on receipt). `points` is the points balance; `balances` lists each unit (points, or a currency of fixed-amount rewards) with what was earned, taken back by refunds and disputes, and redeemed.',
    scope: 'referrals',
    request: { query: participantQuery },
    responses: { 200: ok('The balances', rewardBalancesResponse) },
  });
  route({
    method: 'get',
    path: '/api/rewards/ledger',
    tags: ['Rewards'],
    summary: "A creator's or a referred customer's rewards and redemptions, newest first",
    scope: 'referrals',
    request: { query: ledgerQuery },
    responses: { 200: ok('A page of the ledger', rewardLedgerResponse) },
  });
  route({
    method: 'post',
    path: '/api/rewards/redeem',
    tags: ['Rewards'],
    summary: 'Spend from a balance, once per reference',
    description: '201 with the redemption; 200 with the same one for a retry of its `reference`; 409 `reference_reused` when the reference was used for another spend; 422 `insufficient_balance`, writing nothing.',
    scope: 'referrals',
    request: { body: json(redeemSchema) },
    responses: {
      201: ok('The redemption (a reward_entry with a negative amount)', rewardEntryResponse),
      200: ok('The redemption made earlier with this reference', rewardEntryResponse),
    },
  });

  // Blitz Rocket's referral API under its own names
  route({
    method: 'post',
    path: '/api/referral/track-visit',
    tags: ['Referral (Blitz Rocket)'],
    summary: 'A visit through a referral link: the server-side click',
    description: 'With a `tracking` key, or keyless from a page on the org’s domains. `campaignId` is the org id.',
    request: { body: json(trackVisitSchema) },
    responses: { 200: ok('The server-side click’s answer with `success`', trackVisitResponse) },
  });
  route({
    method: 'post',
    path: '/api/referral/track-signup',
    tags: ['Referral (Blitz Rocket)'],
    summary: 'A referred signup',
    description: 'With a `tracking` key it binds the user and pays signup rewards (`status: "recorded"`); from a browser it is kept as `reported` and earns nothing unless the org has `trust_browser_reports`.',
    request: { body: json(trackSignupSchema) },
    responses: { 200: ok('The report with `success`, `status` and the rewards earned', trackedResponse) },
  });
  route({
    method: 'post',
    path: '/api/referral/track-purchase',
    tags: ['Referral (Blitz Rocket)'],
    summary: 'A referred purchase, in major units',
    description: 'With a `tracking` key it is credited as `POST /api/conversions` is (once per orderId); from a browser it is kept as `reported` and earns nothing unless the org has `trust_browser_reports`.',
    request: { body: json(trackPurchaseSchema) },
    responses: { 200: ok('The report with `success`, `status`, commission and rewards', trackedResponse) },
  });
  route({
    method: 'get',
    path: '/api/referral/validate-code',
    tags: ['Referral (Blitz Rocket)'],
    summary: 'Whether a referral code is usable',
    request: { query: validateReferralCodeQuery },
    responses: { 200: ok('Whether it is usable', referralCodeValidationResponse) },
  });
  route({
    method: 'get',
    path: '/api/referral/reports',
    tags: ['Referral (Blitz Rocket)'],
    summary: 'Signups and purchases reported, newest first, and whether a server or Stripe confirms them',
    scope: 'admin',
    request: { query: listReportsQuery },
    responses: { 200: ok('A page of reports', referralReportPageResponse) },
  });

  // Webhooks (docs/webhooks.md)
  const endpointId = idParam('we_…');
  route({
    method: 'post',
    path: '/api/webhook_endpoints',
    tags: ['Webhooks'],
    summary: 'Add a webhook endpoint',
    description: 'The answer holds the endpoint’s signing `secret`, the only time it is shown. Live mode needs https; internal addresses are refused (400 `url_internal`).',
    scope: 'admin',
    request: { body: json(createEndpointSchema) },
    responses: { 201: ok('The webhook_endpoint, with its secret', webhookEndpointResponse) },
  });
  route({
    method: 'get',
    path: '/api/webhook_endpoints',
    tags: ['Webhooks'],
    summary: 'The endpoints of the key’s mode',
    scope: 'admin',
    responses: { 200: ok('Every endpoint', endpointListResponse) },
  });
  route({ method: 'get', path: '/api/webhook_endpoints/{id}', tags: ['Webhooks'], summary: 'One endpoint', scope: 'admin', request: { params: endpointId }, responses: { 200: ok('The webhook_endpoint', webhookEndpointResponse) } });
  route({
    method: 'patch',
    path: '/api/webhook_endpoints/{id}',
    tags: ['Webhooks'],
    summary: 'Change an endpoint’s URL, events or description; disable or enable it',
    scope: 'admin',
    request: { params: endpointId, body: json(updateEndpointSchema) },
    responses: { 200: ok('The webhook_endpoint', webhookEndpointResponse) },
  });
  route({ method: 'delete', path: '/api/webhook_endpoints/{id}', tags: ['Webhooks'], summary: 'Delete an endpoint', scope: 'admin', request: { params: endpointId }, responses: { 200: ok('The webhook_endpoint, with `deleted: true`', deletedEndpointResponse) } });
  route({
    method: 'post',
    path: '/api/webhook_endpoints/{id}/roll_secret',
    tags: ['Webhooks'],
    summary: 'Roll the signing secret',
    description: 'The previous secret keeps signing too (a second `v1`) for `expire_previous_in_hours`.',
    scope: 'admin',
    request: { params: endpointId, body: json(rollSecretSchema) },
    responses: { 200: ok('The webhook_endpoint, with its new secret', webhookEndpointResponse) },
  });
  route({
    method: 'get',
    path: '/api/webhook_endpoints/{id}/deliveries',
    tags: ['Webhooks'],
    summary: 'The endpoint’s delivery log, newest first',
    scope: 'admin',
    request: { params: endpointId, query: listDeliveriesQuery },
    responses: { 200: ok('A page of deliveries', deliveryPageResponse) },
  });
  route({
    method: 'post',
    path: '/api/webhook_endpoints/{id}/deliveries/{delivery}/resend',
    tags: ['Webhooks'],
    summary: 'Send a delivery again now',
    scope: 'admin',
    request: { params: endpointId.extend({ delivery: z.string().describe('whd_…') }) },
    responses: { 200: ok('The webhook_delivery', webhookDeliveryResponse) },
  });
  route({
    method: 'get',
    path: '/api/events',
    tags: ['Webhooks'],
    summary: 'Events, newest first, to catch up after an outage',
    scope: 'admin',
    request: { query: listEventsQuery },
    responses: { 200: ok('A page of events', eventPageResponse) },
  });
  route({ method: 'get', path: '/api/events/{id}', tags: ['Webhooks'], summary: 'One event, as it was sent', scope: 'admin', request: { params: idParam('evt_…') }, responses: { 200: ok('The event', eventResponse) } });
  route({
    method: 'get',
    path: '/api/reports',
    tags: ['Reports'],
    summary: 'Clicks, signups, conversions, revenue and commission per campaign and creator',
    description: '`from` inclusive, `to` exclusive: unix seconds, ISO datetimes or plain dates (a plain-date `to` includes that day). Defaults to the last 30 days.',
    scope: 'admin',
    request: { query: reportQuery },
    responses: { 200: ok('The report', reportResponse) },
  });

  // Org and API keys
  route({ method: 'get', path: '/api/org', tags: ['Org'], summary: "The key's org and its settings", scope: 'admin', responses: { 200: ok('The org', orgResponse) } });
  route({
    method: 'patch',
    path: '/api/org',
    tags: ['Org'],
    summary: 'Change domains, attribution window, referral params, model',
    scope: 'admin',
    request: { body: json(updateOrgSchema) },
    responses: { 200: ok('The org', orgResponse) },
  });
  route({
    method: 'post',
    path: '/api/keys',
    tags: ['Org'],
    summary: 'Create an API key (the secret is in this response only)',
    scope: 'admin',
    request: { body: json(createApiKeySchema) },
    responses: { 201: ok('The key, with `secret`', apiKeyResponse) },
  });
  route({ method: 'get', path: '/api/keys', tags: ['Org'], summary: 'List API keys', scope: 'admin', responses: { 200: ok('Every key of the mode, newest first', listOf(apiKeyResponse)) } });
  route({
    method: 'delete',
    path: '/api/keys/{id}',
    tags: ['Org'],
    summary: 'Revoke an API key',
    scope: 'admin',
    request: { params: idParam('key_…') },
    responses: { 200: ok('The revoked key', apiKeyResponse) },
  });

  // Catalog
  for (const [collection, schema, what, answer] of [
    ['creators', createCreatorSchema, 'creator', creatorResponse],
    ['campaigns', createCampaignSchema, 'campaign', campaignResponse],
    ['promo_codes', createPromoCodeSchema, 'promo code', promoCodeResponse],
  ] as const) {
    route({
      method: 'post',
      path: `/api/${collection}`,
      tags: ['Catalog'],
      summary: `Create a ${what}`,
      scope: 'admin',
      request: { body: json(schema) },
      responses: { 201: ok(`The ${what}`, answer) },
    });
    route({
      method: 'get',
      path: `/api/${collection}`,
      tags: ['Catalog'],
      summary: `List ${what}s`,
      scope: 'admin',
      ...(collection === 'promo_codes' && { request: { query: listPromoCodesQuery } }),
      ...(collection === 'creators' && { request: { query: listCreatorsQuery } }),
      responses: { 200: ok(`Every ${what}`, listOf(answer)) },
    });
    route({
      method: 'get',
      path: `/api/${collection}/{id}`,
      tags: ['Catalog'],
      summary: `One ${what}`,
      scope: 'admin',
      request: { params: idParam(collection === 'campaigns' ? 'cmp_…' : collection === 'creators' ? 'cr_… or handle' : 'pc_… or the code') },
      responses: { 200: ok(`The ${what}`, answer) },
    });
  }
  route({
    method: 'patch',
    path: '/api/promo_codes/{id}',
    tags: ['Catalog'],
    summary: 'Deactivate or reactivate a code (also on Stripe)',
    scope: 'admin',
    request: { params: idParam('pc_… or the code'), body: json(updatePromoCodeSchema) },
    responses: { 200: ok('The promo code', promoCodeResponse) },
  });

  route({
    method: 'post',
    path: '/api/creators/import',
    tags: ['Catalog'],
    summary: 'Create creators and their codes from a CSV sheet',
    description: 'Each row is all or nothing; a row already imported changes nothing; `dry_run` only says what each row would do.',
    scope: 'admin',
    request: { body: json(importCreatorsSchema) },
    responses: { 200: ok('What each row did (or would do)', creatorImportResponse) },
  });

  // Coupon banks (seed 002)
  route({
    method: 'post',
    path: '/api/coupon_banks',
    tags: ['Coupon banks'],
    summary: 'Create a coupon bank for a campaign',
    scope: 'admin',
    request: { body: json(createCouponBankSchema) },
    responses: { 201: ok('The bank, with `codes` and `remaining`', couponBankResponse) },
  });
  route({ method: 'get', path: '/api/coupon_banks', tags: ['Coupon banks'], summary: 'List coupon banks with their remaining counts', scope: 'admin', responses: { 200: ok('Every bank', couponBankListResponse) } });
  route({
    method: 'get',
    path: '/api/coupon_banks/{id}',
    tags: ['Coupon banks'],
    summary: 'One coupon bank',
    scope: 'admin',
    request: { params: idParam('cbk_…') },
    responses: { 200: ok('The bank, with `codes` and `remaining`', couponBankResponse) },
  });
  route({
    method: 'post',
    path: '/api/coupon_banks/{id}/codes',
    tags: ['Coupon banks'],
    summary: 'Upload codes: each becomes, or is adopted as, a Stripe promotion code of the campaign coupon',
    scope: 'admin',
    request: { params: idParam('cbk_…'), body: json(uploadCodesSchema) },
    responses: { 200: ok('What became of each code, and the bank', uploadCodesResponse) },
  });
  route({
    method: 'post',
    path: '/api/referral_codes',
    tags: ['Coupon banks'],
    summary: "Give an advocate a random unused code of a bank, or the brand's own code",
    description: "Seed 002's request. Asking again for the same advocate answers 200 with the code they have; an empty bank is a 409 `coupon_bank_empty`.",
    scope: 'admin',
    request: { body: json(assignReferralCodeSchema) },
    responses: { 201: ok('The code handed out', referralCodeResponse), 200: ok('The code the advocate already has', referralCodeResponse) },
  });

  // Stripe
  route({
    method: 'post',
    path: '/api/stripe/webhooks',
    tags: ['Stripe'],
    summary: "Stripe's events (webhook endpoint)",
    description: 'The signed event, as Stripe sends it. See docs/stripe.md for the events to enable.',
    security: [{ stripeWebhookSignature: [] }],
    responses: { 200: ok('What became of the event', stripeWebhookResponse) },
  });

  // The Stripe App's backend (docs/stripe-app.md): signed by the Dashboard, never called with API keys
  app({ method: 'get', path: '/api/app/overview', summary: 'Drawer figures', request: { query: appQuery.extend(overviewQuery.shape) }, responses: { 200: ok('The overview', appOverviewResponse) } });
  app({ method: 'post', path: '/api/app/campaigns', summary: 'Create a campaign', request: { body: json(createCampaignSchema) }, responses: { 201: ok('The campaign', campaignResponse) } });
  app({ method: 'post', path: '/api/app/creators', summary: 'A creator with a new code', request: { body: json(createCreatorWithCodeSchema) }, responses: { 201: ok('The creator and code', appCreatorResponse) } });
  app({ method: 'post', path: '/api/app/creators/import', summary: 'Creators and codes from a pasted CSV sheet', request: { body: json(importCreatorsSchema) }, responses: { 200: ok('What each row did (or would do)', creatorImportResponse) } });
  app({ method: 'get', path: '/api/app/coupon_banks', summary: 'Coupon banks with their remaining counts', responses: { 200: ok('Every bank', couponBankListResponse) } });
  app({ method: 'post', path: '/api/app/coupon_banks', summary: 'Create a coupon bank', request: { body: json(createCouponBankSchema) }, responses: { 201: ok('The bank', couponBankResponse) } });
  app({
    method: 'post',
    path: '/api/app/coupon_banks/{id}/codes',
    summary: 'Upload codes to a coupon bank',
    request: { params: idParam('cbk_…'), body: json(uploadCodesSchema) },
    responses: { 200: ok('What became of each code, and the bank', uploadCodesResponse) },
  });
  app({
    method: 'post',
    path: '/api/app/creators/{id}/invitation',
    summary: 'Email a creator a sign-in link to their portal page',
    request: { params: idParam('cr_… or handle', inviteParams.shape.id) },
    responses: { 201: ok('The invitation was sent', portalInvitationResponse) },
  });
  app({
    method: 'patch',
    path: '/api/app/promo_codes/{id}',
    summary: 'Deactivate or reactivate a code',
    request: { params: idParam('pc_… or the code'), body: json(updatePromoCodeSchema) },
    responses: { 200: ok('The promo code, with its share link', appPromoCodeResponse) },
  });
  app({
    method: 'get',
    path: '/api/app/conversions',
    summary: "A page of the period's conversions, with a CSV download link",
    request: { query: appQuery.extend(appConversionsQuery.shape) },
    responses: { 200: ok('A page of conversions and the CSV of all of them', appConversionsResponse) },
  });
  app({
    method: 'get',
    path: '/api/app/payouts/balances',
    summary: 'Every creator’s balance, for the payouts view',
    responses: { 200: ok('Every balance, and the hold period behind `pending`', appBalancesResponse) },
  });
  app({
    method: 'get',
    path: '/api/app/payouts',
    summary: 'The payouts recorded, with statement links',
    request: { query: appQuery.extend(appPayoutsQuery.shape) },
    responses: { 200: ok('A page of payouts, each with its statement', appPayoutsResponse) },
  });
  app({
    method: 'post',
    path: '/api/app/payouts',
    summary: 'Record that a creator was paid what is due',
    request: { body: json(createPayoutSchema) },
    responses: { 201: ok('The payout', payoutResponse) },
  });
  app({ method: 'get', path: '/api/app/customers/{id}', summary: 'Who referred this customer', request: { params: idParam('cus_…', customerIdSchema) }, responses: { 200: ok('The attribution', customerAttributionResponse) } });
  app({ method: 'get', path: '/api/app/payments/{id}', summary: 'The conversion of this payment', request: { params: idParam('pi_…, ch_… or py_…', paymentIdSchema) }, responses: { 200: ok('The conversion, or null', paymentAttributionResponse) } });
  app({ method: 'get', path: '/api/app/settings', summary: 'Settings, keys and pixel heartbeats', responses: { 200: ok('The settings', appSettingsResponse) } });
  app({ method: 'patch', path: '/api/app/settings', summary: 'Change settings', request: { body: json(updateOrgSchema) }, responses: { 200: ok('The settings', appSettingsResponse) } });
  app({ method: 'post', path: '/api/app/keys', summary: "Create an API key in the Dashboard's mode", request: { body: json(appCreateApiKeySchema) }, responses: { 201: ok('The key, with `secret`', apiKeyResponse) } });
  app({ method: 'delete', path: '/api/app/keys/{id}', summary: 'Revoke an API key', request: { params: idParam('key_…') }, responses: { 200: ok('The revoked key', apiKeyResponse) } });
  app({ method: 'post', path: '/api/app/webhook_endpoints', summary: "Add a webhook endpoint in the Dashboard's mode", request: { body: json(createEndpointSchema) }, responses: { 201: ok('The webhook_endpoint, with `secret`', webhookEndpointResponse) } });
  app({ method: 'patch', path: '/api/app/webhook_endpoints/{id}', summary: 'Disable, enable or change a webhook endpoint', request: { params: idParam('we_…'), body: json(updateEndpointSchema) }, responses: { 200: ok('The webhook_endpoint', webhookEndpointResponse) } });
  app({ method: 'post', path: '/api/app/webhook_endpoints/{id}/roll_secret', summary: 'Roll a webhook endpoint’s signing secret', request: { params: idParam('we_…'), body: json(rollSecretSchema) }, responses: { 200: ok('The webhook_endpoint, with its new `secret`', webhookEndpointResponse) } });
  app({ method: 'delete', path: '/api/app/webhook_endpoints/{id}', summary: 'Delete a webhook endpoint', request: { params: idParam('we_…') }, responses: { 200: ok('The deleted webhook_endpoint', deletedEndpointResponse) } });

  route({
    method: 'get',
    path: '/api/openapi.json',
    tags: ['Reference'],
    summary: 'This document',
    responses: { 200: ok('OpenAPI 3.1, with `servers` set from PUBLIC_URL', openApiResponse) },
  });

  // The CLI's way into a running server (cli/routes.ts); not for brands.
  route({
    method: 'post',
    path: '/api/operator/commands',
    tags: ['Operator'],
    summary: 'Run a CLI command inside this server (loopback and operator token only)',
    responses: {
      200: {
        description: 'The command’s result; with `Accept: application/x-ndjson`, progress lines, then `{result}` or `{error}`',
        content: { ...json(operatorResponse).content, 'application/x-ndjson': { schema: z.string() } },
      },
    },
  });

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'Shoutout API',
      version: '1',
      description: 'Creator-referral attribution for Stripe. Guides: docs/getting-started.md and docs/api.md.',
    },
  });
}

let built: ReturnType<typeof buildDocument> | undefined;

/** The document, built on first use: it depends on nothing but the schemas. */
export function openApiDocument() {
  built ??= buildDocument();
  return built;
}
