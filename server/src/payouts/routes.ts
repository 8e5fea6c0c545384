import type { IRouter } from 'express';
import type { Deps } from '../deps';
import { authOf, requireApiKey, scopeOf } from '../http/auth';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { balancesQuery, createPayoutSchema, listPayoutsQuery } from './schemas';
import { createPayout, getPayout, listBalances, listPayouts } from './service';

export function payoutRoutes(app: IRouter, deps: Deps): void {
  const admin = requireApiKey(deps, 'admin');

  // GET /api/payouts/balances – what each creator is due, pending and paid, per currency
  app.get('/api/payouts/balances', admin, async (req, res) => {
    sendJson(res, await listBalances(deps, authOf(req).org, scopeOf(req), parse(balancesQuery, req.query)));
  });

  // POST /api/payouts – record that a creator was paid everything due in one currency
  app.post('/api/payouts', admin, async (req, res) => {
    sendJson(res, await createPayout(deps, authOf(req).org, scopeOf(req), parse(createPayoutSchema, req.body)), 201);
  });

  // GET /api/payouts – the payouts recorded, newest first, a page at a time
  app.get('/api/payouts', admin, async (req, res) => {
    sendJson(res, await listPayouts(deps, scopeOf(req), parse(listPayoutsQuery, req.query)));
  });

  // GET /api/payouts/:id – one payout
  app.get('/api/payouts/:id', admin, async (req, res) => {
    sendJson(res, await getPayout(deps, scopeOf(req), String(req.params.id)));
  });
}
