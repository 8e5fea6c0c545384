import type { IRouter } from 'express';
import type { Deps } from '../deps';
import { authOf, requireApiKey, scopeOf } from '../http/auth';
import { jsonBody } from '../http/body';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { identifySchema, type LookupResponse, lookupSchema } from './schemas';
import { identify, lookup } from './service';

/** Identify and lookup: step 2 and the lookup half of step 3 of a brand's integration. */
export function customerRoutes(app: IRouter, deps: Deps): void {
  const referrals = requireApiKey(deps, 'referrals');

  // POST /api/customers/identify – bind a referral to a user
  app.post('/api/customers/identify', referrals, jsonBody, async (req, res) => {
    const { org, livemode } = authOf(req);
    await identify(deps, org, livemode, parse(identifySchema, req.body));
    res.status(204).end();
  });

  // GET /api/customers – look up a user's creator, campaign and discount by externalId
  app.get('/api/customers', referrals, async (req, res) => {
    const { externalId } = parse(lookupSchema, req.query);
    sendJson(res, { data: await lookup(deps, scopeOf(req), externalId) } satisfies LookupResponse);
  });

  // POST /api/customers/lookup – the same lookup with the id in the body, out of URLs and access logs
  app.post('/api/customers/lookup', referrals, jsonBody, async (req, res) => {
    const { externalId } = parse(lookupSchema, req.body);
    sendJson(res, { data: await lookup(deps, scopeOf(req), externalId) } satisfies LookupResponse);
  });
}
