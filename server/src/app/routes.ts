import type { IRouter } from 'express';
import { presentCampaign } from '../catalog/present';
import { createCampaignSchema, updatePromoCodeSchema } from '../catalog/schemas';
import { createCampaign, setPromoCodeActive } from '../catalog/service';
import type { Deps } from '../deps';
import { appConversionsQuery } from '../conversions/schemas';
import { createCouponBankSchema, uploadCodesSchema } from '../coupon-banks/schemas';
import { createCouponBank, getCouponBank, presentBank, uploadCodes } from '../coupon-banks/service';
import { parseCreatorsCsv } from '../creator-import/csv';
import { importCreatorsSchema } from '../creator-import/schemas';
import { importCreators } from '../creator-import/service';
import { jsonBody } from '../http/body';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { presentApiKey } from '../orgs/present';
import { updateOrgSchema } from '../orgs/schemas';
import { createApiKeyInMode, revokeApiKey, updateOrg } from '../orgs/service';
import { appPayoutsQuery, createPayoutSchema } from '../payouts/schemas';
import { inviteParams } from '../portal/schemas';
import { inviteCreator } from '../portal/service';
import { createPayout } from '../payouts/service';
import { createEndpointSchema, rollSecretSchema, updateEndpointSchema } from '../webhooks/schemas';
import { createEndpoint, deleteEndpoint, rollSecret, updateEndpoint } from '../webhooks/service';
import { appAccess } from './access';
import { appContextOf, appCors, requireAppSignature } from './auth';
import {
  appCreateApiKeySchema,
  type AppOverviewResponse,
  type AppSettingsResponse,
  createCreatorWithCodeSchema,
  customerIdSchema,
  overviewQuery,
  paymentIdSchema,
} from './schemas';
import {
  appBalances,
  appConversions,
  appPayouts,
  appOverview,
  appSettings,
  createCreatorWithCode,
  customerAttribution,
  paymentAttribution,
  presentAppPromoCode,
} from './service';

/**
 * The Stripe App's backend: every route acts on the org of the signed Stripe account, in the
 * Dashboard's mode; any signed user reads, granted users change (app/access.ts). The overview and
 * settings say which this user is (`access`), so the views show the grant message in place of actions.
 */
export function appRoutes(app: IRouter, deps: Deps): void {
  // The signed identity may travel in the JSON body, so it is parsed before the signature check.
  app.use('/api/app', appCors, jsonBody, requireAppSignature(deps));

  // GET /api/app/overview – campaign and creator figures for the drawer, with each creator's codes
  app.get('/api/app/overview', async (req, res) => {
    const { org, scope, user_id } = appContextOf(req);
    const { period } = parse(overviewQuery, { period: req.query.period });
    const [overview, access] = await Promise.all([appOverview(deps, org, scope, period), appAccess(deps, org, user_id)]);
    sendJson(res, { ...overview, access } satisfies AppOverviewResponse);
  });

  // POST /api/app/campaigns – create a campaign from the drawer
  app.post('/api/app/campaigns', async (req, res) => {
    const { scope } = appContextOf(req);
    sendJson(res, presentCampaign(await createCampaign(deps, scope, parse(createCampaignSchema, req.body))), 201);
  });

  // POST /api/app/creators – add a creator (or reuse a handle) with a new promo code, created on Stripe
  app.post('/api/app/creators', async (req, res) => {
    const { org, scope } = appContextOf(req);
    sendJson(res, await createCreatorWithCode(deps, org, scope, parse(createCreatorWithCodeSchema, req.body)), 201);
  });

  // POST /api/app/creators/import – creators and their codes from a pasted CSV sheet, or a dry run of it
  app.post('/api/app/creators/import', async (req, res) => {
    const { scope } = appContextOf(req);
    const input = parse(importCreatorsSchema, req.body);
    sendJson(res, await importCreators(deps, scope, parseCreatorsCsv(input.csv), { campaign: input.campaign, dryRun: input.dry_run }));
  });

  // GET /api/app/coupon_banks – the banks, each with how many codes are left to hand out
  app.get('/api/app/coupon_banks', async (req, res) => {
    const { scope } = appContextOf(req);
    const banks = await deps.store.couponBanks.list(scope);
    sendJson(res, { object: 'list', data: await Promise.all(banks.map((bank) => presentBank(deps, scope, bank))) });
  });

  // POST /api/app/coupon_banks – a new bank for a campaign
  app.post('/api/app/coupon_banks', async (req, res) => {
    const { scope } = appContextOf(req);
    sendJson(res, await presentBank(deps, scope, await createCouponBank(deps, scope, parse(createCouponBankSchema, req.body))), 201);
  });

  // POST /api/app/coupon_banks/:id/codes – upload pasted codes to a bank, each created or adopted on Stripe
  app.post('/api/app/coupon_banks/:id/codes', async (req, res) => {
    const { scope } = appContextOf(req);
    const bank = await getCouponBank(deps, scope, String(req.params.id));
    sendJson(res, await uploadCodes(deps, scope, bank, parse(uploadCodesSchema, req.body)));
  });

  // POST /api/app/creators/:id/invitation – email the creator a sign-in link to their portal page
  app.post('/api/app/creators/:id/invitation', async (req, res) => {
    const { org, scope } = appContextOf(req);
    sendJson(res, await inviteCreator(deps, org, scope, parse(inviteParams, req.params).id), 201);
  });

  // PATCH /api/app/promo_codes/:id – deactivate or reactivate a code, here and on Stripe
  app.patch('/api/app/promo_codes/:id', async (req, res) => {
    const { org, scope } = appContextOf(req);
    const { active } = parse(updatePromoCodeSchema, req.body);
    const promoCode = await setPromoCodeActive(deps, scope, String(req.params.id), active);
    sendJson(res, presentAppPromoCode(org, promoCode));
  });

  // GET /api/app/conversions – a page of the period's conversions, all or one creator's, with a CSV download link
  app.get('/api/app/conversions', async (req, res) => {
    const { scope } = appContextOf(req);
    sendJson(res, await appConversions(deps, scope, parse(appConversionsQuery, req.query)));
  });

  // GET /api/app/payouts/balances – what each creator is due, pending and paid, for the payouts view
  app.get('/api/app/payouts/balances', async (req, res) => {
    const { org, scope } = appContextOf(req);
    sendJson(res, await appBalances(deps, org, scope));
  });

  // GET /api/app/payouts – the payouts recorded, newest first, each with a link to its statement
  app.get('/api/app/payouts', async (req, res) => {
    const { scope } = appContextOf(req);
    sendJson(res, await appPayouts(deps, scope, parse(appPayoutsQuery, req.query)));
  });

  // POST /api/app/payouts – record that a creator was paid what the view showed as due
  app.post('/api/app/payouts', async (req, res) => {
    const { org, scope } = appContextOf(req);
    sendJson(res, await createPayout(deps, org, scope, parse(createPayoutSchema, req.body)), 201);
  });

  // GET /api/app/customers/:id – who referred this Stripe customer and what it earned
  app.get('/api/app/customers/:id', async (req, res) => {
    const { scope } = appContextOf(req);
    sendJson(res, await customerAttribution(deps, scope, parse(customerIdSchema, req.params.id)));
  });

  // GET /api/app/payments/:id – the conversion credited for this payment intent or charge
  app.get('/api/app/payments/:id', async (req, res) => {
    const { scope } = appContextOf(req);
    sendJson(res, await paymentAttribution(deps, scope, parse(paymentIdSchema, req.params.id)));
  });

  // GET /api/app/settings – org settings, this mode's API keys and pixel heartbeats per domain
  app.get('/api/app/settings', async (req, res) => {
    const { org, scope, user_id } = appContextOf(req);
    const [settings, access] = await Promise.all([appSettings(deps, org, scope), appAccess(deps, org, user_id)]);
    sendJson(res, { ...settings, access } satisfies AppSettingsResponse);
  });

  // PATCH /api/app/settings – change domains, attribution window, referral params, model, code beats link
  app.patch('/api/app/settings', async (req, res) => {
    const { org, scope, user_id } = appContextOf(req);
    const updated = await updateOrg(deps, org.id, parse(updateOrgSchema, req.body));
    const [settings, access] = await Promise.all([appSettings(deps, updated, scope), appAccess(deps, updated, user_id)]);
    sendJson(res, { ...settings, access } satisfies AppSettingsResponse);
  });

  // POST /api/app/keys – create an API key in the Dashboard's mode; the secret is in this response only
  app.post('/api/app/keys', async (req, res) => {
    const { scope } = appContextOf(req);
    const input = parse(appCreateApiKeySchema, req.body);
    const { secret, key } = await createApiKeyInMode(deps, scope, input);
    sendJson(res, presentApiKey(key, secret), 201);
  });

  // DELETE /api/app/keys/:id – revoke an API key of this mode
  app.delete('/api/app/keys/:id', async (req, res) => {
    const { org, scope } = appContextOf(req);
    sendJson(res, presentApiKey(await revokeApiKey(deps, org.id, String(req.params.id), scope.livemode)));
  });

  // POST /api/app/webhook_endpoints – add a webhook endpoint in the Dashboard's mode; the secret is in this response only
  app.post('/api/app/webhook_endpoints', async (req, res) => {
    const { scope } = appContextOf(req);
    sendJson(res, await createEndpoint(deps, scope, parse(createEndpointSchema, req.body)), 201);
  });

  // PATCH /api/app/webhook_endpoints/:id – disable, enable or change an endpoint
  app.patch('/api/app/webhook_endpoints/:id', async (req, res) => {
    const { scope } = appContextOf(req);
    sendJson(res, await updateEndpoint(deps, scope, String(req.params.id), parse(updateEndpointSchema, req.body)));
  });

  // POST /api/app/webhook_endpoints/:id/roll_secret – a new signing secret, shown in this response only
  app.post('/api/app/webhook_endpoints/:id/roll_secret', async (req, res) => {
    const { scope } = appContextOf(req);
    sendJson(res, await rollSecret(deps, scope, String(req.params.id), parse(rollSecretSchema, req.body)));
  });

  // DELETE /api/app/webhook_endpoints/:id – delete an endpoint of this mode
  app.delete('/api/app/webhook_endpoints/:id', async (req, res) => {
    const { scope } = appContextOf(req);
    sendJson(res, await deleteEndpoint(deps, scope, String(req.params.id)));
  });
}
