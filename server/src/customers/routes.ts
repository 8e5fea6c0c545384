import { Router } from 'express';
import type { Deps } from '../deps';
import { authOf, requireApiKey, scopeOf } from '../http/auth';
import { parse } from '../http/validate';
import { identifySchema, lookupSchema } from './schemas';
import { identify, lookup } from './service';

export function customerRoutes(deps: Deps): Router {
  const router = Router();
  const referrals = requireApiKey(deps, 'referrals');

  // POST /api/customers/identify – bind a referral to a user
  router.post('/customers/identify', referrals, async (req, res) => {
    const { org, livemode } = authOf(req);
    await identify(deps, org, livemode, parse(identifySchema, req.body));
    res.status(204).end();
  });

  // GET /api/customers – look up a user's creator, campaign and discount by externalId
  router.get('/customers', referrals, async (req, res) => {
    const { externalId } = parse(lookupSchema, req.query);
    res.json({ data: await lookup(deps, scopeOf(req), externalId) });
  });

  // POST /api/customers/lookup – the same lookup with the id in the body, out of URLs and access logs
  router.post('/customers/lookup', referrals, async (req, res) => {
    const { externalId } = parse(lookupSchema, req.body);
    res.json({ data: await lookup(deps, scopeOf(req), externalId) });
  });

  return router;
}
