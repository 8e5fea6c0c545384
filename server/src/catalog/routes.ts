import type { IRouter } from 'express';
import type { Deps } from '../deps';
import { requireApiKey, scopeOf } from '../http/auth';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { presentCampaign, presentCreator, presentPromoCode } from './present';
import { createCampaignSchema, createCreatorSchema, createPromoCodeSchema, listCreatorsQuery, listPromoCodesQuery, updatePromoCodeSchema } from './schemas';
import {
  createCampaign,
  createCreator,
  createPromoCode,
  getCampaign,
  getCreator,
  getPromoCode,
  setPromoCodeActive,
} from './service';

export function catalogRoutes(app: IRouter, deps: Deps): void {
  app.use(['/api/creators', '/api/campaigns', '/api/promo_codes'], requireApiKey(deps, 'admin'));

  // POST /api/creators – add a creator (influencer) to the org
  app.post('/api/creators', async (req, res) => {
    sendJson(res, presentCreator(await createCreator(deps, scopeOf(req), parse(createCreatorSchema, req.body))), 201);
  });

  // GET /api/creators – list the org's creators, or find them by the brand's customer id or email
  app.get('/api/creators', async (req, res) => {
    const { customer_id: customerId, email } = parse(listCreatorsQuery, req.query);
    const creators = await deps.store.creators.list(scopeOf(req), { customerId, email });
    sendJson(res, { object: 'list', data: creators.map(presentCreator) });
  });

  // GET /api/creators/:id – one creator, by id or handle
  app.get('/api/creators/:id', async (req, res) => {
    sendJson(res, presentCreator(await getCreator(deps, scopeOf(req), req.params.id, 'id')));
  });

  // POST /api/campaigns – create a campaign with its discount and commission rule
  app.post('/api/campaigns', async (req, res) => {
    sendJson(res, presentCampaign(await createCampaign(deps, scopeOf(req), parse(createCampaignSchema, req.body))), 201);
  });

  // GET /api/campaigns – list the org's campaigns
  app.get('/api/campaigns', async (req, res) => {
    const campaigns = await deps.store.campaigns.list(scopeOf(req));
    sendJson(res, { object: 'list', data: campaigns.map(presentCampaign) });
  });

  // GET /api/campaigns/:id – one campaign
  app.get('/api/campaigns/:id', async (req, res) => {
    sendJson(res, presentCampaign(await getCampaign(deps, scopeOf(req), req.params.id, 'id')));
  });

  // POST /api/promo_codes – give a creator a code in a campaign
  app.post('/api/promo_codes', async (req, res) => {
    const promoCode = await createPromoCode(deps, scopeOf(req), parse(createPromoCodeSchema, req.body));
    sendJson(res, presentPromoCode(promoCode), 201);
  });

  // GET /api/promo_codes – list codes, optionally for one creator or campaign
  app.get('/api/promo_codes', async (req, res) => {
    const query = parse(listPromoCodesQuery, req.query);
    const scope = scopeOf(req);
    const creatorId = query.creator ? (await getCreator(deps, scope, query.creator)).id : undefined;
    const promoCodes = await deps.store.promoCodes.list(scope, { creatorId, campaignId: query.campaign });
    sendJson(res, { object: 'list', data: promoCodes.map(presentPromoCode) });
  });

  // GET /api/promo_codes/:id – one code, by id or by the code itself
  app.get('/api/promo_codes/:id', async (req, res) => {
    sendJson(res, presentPromoCode(await getPromoCode(deps, scopeOf(req), req.params.id)));
  });

  // PATCH /api/promo_codes/:id – deactivate or reactivate a code
  app.patch('/api/promo_codes/:id', async (req, res) => {
    const { active } = parse(updatePromoCodeSchema, req.body);
    sendJson(res, presentPromoCode(await setPromoCodeActive(deps, scopeOf(req), req.params.id, active)));
  });
}
