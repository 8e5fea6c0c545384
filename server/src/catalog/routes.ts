import { Router } from 'express';
import type { Deps } from '../deps';
import { requireApiKey, scopeOf } from '../http/auth';
import { parse } from '../http/validate';
import { presentCampaign, presentCreator, presentPromoCode } from './present';
import { createCampaignSchema, createCreatorSchema, createPromoCodeSchema, listPromoCodesQuery, updatePromoCodeSchema } from './schemas';
import {
  createCampaign,
  createCreator,
  createPromoCode,
  getCampaign,
  getCreator,
  getPromoCode,
  setPromoCodeActive,
} from './service';

export function catalogRoutes(deps: Deps): Router {
  const router = Router();
  router.use(['/creators', '/campaigns', '/promo_codes'], requireApiKey(deps, 'admin'));

  // POST /api/creators – add a creator (influencer) to the org
  router.post('/creators', async (req, res) => {
    res.status(201).json(presentCreator(await createCreator(deps, scopeOf(req), parse(createCreatorSchema, req.body))));
  });

  // GET /api/creators – list the org's creators
  router.get('/creators', async (req, res) => {
    const creators = await deps.store.creators.list(scopeOf(req));
    res.json({ object: 'list', data: creators.map(presentCreator) });
  });

  // GET /api/creators/:id – one creator, by id or handle
  router.get('/creators/:id', async (req, res) => {
    res.json(presentCreator(await getCreator(deps, scopeOf(req), req.params.id, 'id')));
  });

  // POST /api/campaigns – create a campaign with its discount and commission rule
  router.post('/campaigns', async (req, res) => {
    res.status(201).json(presentCampaign(await createCampaign(deps, scopeOf(req), parse(createCampaignSchema, req.body))));
  });

  // GET /api/campaigns – list the org's campaigns
  router.get('/campaigns', async (req, res) => {
    const campaigns = await deps.store.campaigns.list(scopeOf(req));
    res.json({ object: 'list', data: campaigns.map(presentCampaign) });
  });

  // GET /api/campaigns/:id – one campaign
  router.get('/campaigns/:id', async (req, res) => {
    res.json(presentCampaign(await getCampaign(deps, scopeOf(req), req.params.id, 'id')));
  });

  // POST /api/promo_codes – give a creator a code in a campaign
  router.post('/promo_codes', async (req, res) => {
    const promoCode = await createPromoCode(deps, scopeOf(req), parse(createPromoCodeSchema, req.body));
    res.status(201).json(presentPromoCode(promoCode));
  });

  // GET /api/promo_codes – list codes, optionally for one creator or campaign
  router.get('/promo_codes', async (req, res) => {
    const query = parse(listPromoCodesQuery, req.query);
    const scope = scopeOf(req);
    const creatorId = query.creator ? (await getCreator(deps, scope, query.creator)).id : undefined;
    const promoCodes = await deps.store.promoCodes.list(scope, { creatorId, campaignId: query.campaign });
    res.json({ object: 'list', data: promoCodes.map(presentPromoCode) });
  });

  // GET /api/promo_codes/:id – one code, by id or by the code itself
  router.get('/promo_codes/:id', async (req, res) => {
    res.json(presentPromoCode(await getPromoCode(deps, scopeOf(req), req.params.id)));
  });

  // PATCH /api/promo_codes/:id – deactivate or reactivate a code
  router.patch('/promo_codes/:id', async (req, res) => {
    const { active } = parse(updatePromoCodeSchema, req.body);
    res.json(presentPromoCode(await setPromoCodeActive(deps, scopeOf(req), req.params.id, active)));
  });

  return router;
}
