import { Router } from 'express';
import { presentCampaign } from '../catalog/present';
import { createCampaignSchema, updatePromoCodeSchema } from '../catalog/schemas';
import { createCampaign, setPromoCodeActive } from '../catalog/service';
import type { Deps } from '../deps';
import { jsonBody } from '../http/body';
import { parse } from '../http/validate';
import { presentApiKey } from '../orgs/present';
import { updateOrgSchema } from '../orgs/schemas';
import { createApiKey, updateOrg } from '../orgs/service';
import { appContextOf, appCors, requireAppSignature } from './auth';
import { appCreateApiKeySchema, createCreatorWithCodeSchema, customerIdSchema, overviewQuery, paymentIdSchema } from './schemas';
import {
  appOverview,
  appSettings,
  createCreatorWithCode,
  customerAttribution,
  paymentAttribution,
  presentAppPromoCode,
  revokeAppApiKey,
} from './service';

/** The Stripe App's backend: every route acts on the org of the signed Stripe account, in the Dashboard's mode. */
export function appRoutes(deps: Deps): Router {
  const router = Router();
  // The signed identity may travel in the JSON body, so it is parsed before the signature check.
  router.use(appCors, jsonBody, requireAppSignature(deps));

  // GET /api/app/overview – campaign and creator figures for the drawer, with each creator's codes
  router.get('/overview', async (req, res) => {
    const { org, scope } = appContextOf(req);
    const { period } = parse(overviewQuery, { period: req.query.period });
    res.json(await appOverview(deps, org, scope, period));
  });

  // POST /api/app/campaigns – create a campaign from the drawer
  router.post('/campaigns', async (req, res) => {
    const { scope } = appContextOf(req);
    res.status(201).json(presentCampaign(await createCampaign(deps, scope, parse(createCampaignSchema, req.body))));
  });

  // POST /api/app/creators – add a creator (or reuse a handle) with a new promo code, created on Stripe
  router.post('/creators', async (req, res) => {
    const { org, scope } = appContextOf(req);
    res.status(201).json(await createCreatorWithCode(deps, org, scope, parse(createCreatorWithCodeSchema, req.body)));
  });

  // PATCH /api/app/promo_codes/:id – deactivate or reactivate a code, here and on Stripe
  router.patch('/promo_codes/:id', async (req, res) => {
    const { org, scope } = appContextOf(req);
    const { active } = parse(updatePromoCodeSchema, req.body);
    const promoCode = await setPromoCodeActive(deps, scope, String(req.params.id), active);
    res.json(presentAppPromoCode(org, promoCode));
  });

  // GET /api/app/customers/:id – who referred this Stripe customer and what it earned
  router.get('/customers/:id', async (req, res) => {
    const { scope } = appContextOf(req);
    res.json(await customerAttribution(deps, scope, parse(customerIdSchema, req.params.id)));
  });

  // GET /api/app/payments/:id – the conversion credited for this payment intent or charge
  router.get('/payments/:id', async (req, res) => {
    const { scope } = appContextOf(req);
    res.json(await paymentAttribution(deps, scope, parse(paymentIdSchema, req.params.id)));
  });

  // GET /api/app/settings – org settings, this mode's API keys and pixel heartbeats per domain
  router.get('/settings', async (req, res) => {
    const { org, scope } = appContextOf(req);
    res.json(await appSettings(deps, org, scope));
  });

  // PATCH /api/app/settings – change domains, attribution window, referral params, model, code beats link
  router.patch('/settings', async (req, res) => {
    const { org, scope } = appContextOf(req);
    const updated = await updateOrg(deps, org.id, parse(updateOrgSchema, req.body));
    res.json(await appSettings(deps, updated, scope));
  });

  // POST /api/app/keys – create an API key in the Dashboard's mode; the secret is in this response only
  router.post('/keys', async (req, res) => {
    const { org, scope } = appContextOf(req);
    const input = parse(appCreateApiKeySchema, req.body);
    const { secret, key } = await createApiKey(deps, org.id, { ...input, livemode: scope.livemode });
    res.status(201).json(presentApiKey(key, secret));
  });

  // DELETE /api/app/keys/:id – revoke an API key of this mode
  router.delete('/keys/:id', async (req, res) => {
    const { org, scope } = appContextOf(req);
    res.json(await revokeAppApiKey(deps, org, scope, String(req.params.id)));
  });

  return router;
}
