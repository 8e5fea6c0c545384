import type { IRouter } from 'express';
import type { Deps } from '../deps';
import { requireApiKey, scopeOf } from '../http/auth';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { ledgerQuery, participantQuery, redeemSchema } from './schemas';
import { getRewardBalances, listRewardLedger, redeemRewards } from './service';

/** Points and other rewards, for the brand's backend to show and spend. */
export function rewardRoutes(app: IRouter, deps: Deps): void {
  const referrals = requireApiKey(deps, 'referrals');

  // GET /api/rewards/balances – a creator's or a referred customer's balance per unit
  app.get('/api/rewards/balances', referrals, async (req, res) => {
    sendJson(res, await getRewardBalances(deps, scopeOf(req), parse(participantQuery, req.query)));
  });

  // GET /api/rewards/ledger – a creator's or a referred customer's rewards and redemptions, newest first
  app.get('/api/rewards/ledger', referrals, async (req, res) => {
    sendJson(res, await listRewardLedger(deps, scopeOf(req), parse(ledgerQuery, req.query)));
  });

  // POST /api/rewards/redeem – spend from a balance, once per reference
  app.post('/api/rewards/redeem', referrals, async (req, res) => {
    const { redemption, created } = await redeemRewards(deps, scopeOf(req), parse(redeemSchema, req.body));
    sendJson(res, redemption, created ? 201 : 200);
  });
}
