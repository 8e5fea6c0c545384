import { Router } from 'express';
import type { Deps } from '../deps';
import { authOf, requireApiKey, scopeOf } from '../http/auth';
import { jsonBody } from '../http/body';
import { parse } from '../http/validate';
import { identifySchema, lookupSchema } from './schemas';
import { identify, lookup } from './service';

/** Mounted at /api/customers. */
export function customerRoutes(deps: Deps): Router {
  const router = Router();
  const referrals = requireApiKey(deps, 'referrals');

  // POST /api/customers/identify – bind a referral to a user
  router.post('/identify', referrals, jsonBody, async (req, res) => {
    const { org, livemode } = authOf(req);
    await identify(deps, org, livemode, parse(identifySchema, req.body));
    res.status(204).end();
  });

  // GET /api/customers – look up a user's creator, campaign and discount by externalId
  router.get('/', referrals, async (req, res) => {
    const { externalId } = parse(lookupSchema, req.query);
    res.json({ data: await lookup(deps, scopeOf(req), externalId) });
  });

  // POST /api/customers/lookup – the same lookup with the id in the body, out of URLs and access logs
  router.post('/lookup', referrals, jsonBody, async (req, res) => {
    const { externalId } = parse(lookupSchema, req.body);
    res.json({ data: await lookup(deps, scopeOf(req), externalId) });
  });

  return router;
}
