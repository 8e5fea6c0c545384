import type { IRouter } from 'express';
import type { Deps } from '../deps';
import { authOf, requireApiKey, scopeOf } from '../http/auth';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { assignReferralCodeSchema, createCouponBankSchema, uploadCodesSchema } from './schemas';
import { assignReferralCode, createCouponBank, getCouponBank, presentBank, uploadCodes } from './service';

export function couponBankRoutes(app: IRouter, deps: Deps): void {
  app.use(['/api/coupon_banks', '/api/referral_codes'], requireApiKey(deps, 'admin'));

  // POST /api/coupon_banks – a bank of codes for one campaign, to hand out to advocates
  app.post('/api/coupon_banks', async (req, res) => {
    const scope = scopeOf(req);
    sendJson(res, await presentBank(deps, scope, await createCouponBank(deps, scope, parse(createCouponBankSchema, req.body))), 201);
  });

  // GET /api/coupon_banks – the org's banks, each with its remaining count
  app.get('/api/coupon_banks', async (req, res) => {
    const scope = scopeOf(req);
    const banks = await deps.store.couponBanks.list(scope);
    sendJson(res, { object: 'list', data: await Promise.all(banks.map((bank) => presentBank(deps, scope, bank))) });
  });

  // GET /api/coupon_banks/:id – one bank, with how many codes are left
  app.get('/api/coupon_banks/:id', async (req, res) => {
    const scope = scopeOf(req);
    sendJson(res, await presentBank(deps, scope, await getCouponBank(deps, scope, req.params.id)));
  });

  // POST /api/coupon_banks/:id/codes – upload codes: each becomes (or is adopted as) a Stripe promotion code
  app.post('/api/coupon_banks/:id/codes', async (req, res) => {
    const scope = scopeOf(req);
    const bank = await getCouponBank(deps, scope, req.params.id);
    sendJson(res, await uploadCodes(deps, scope, bank, parse(uploadCodesSchema, req.body)));
  });

  // POST /api/referral_codes – seed 002: give an advocate a code from a bank, or their own code
  app.post('/api/referral_codes', async (req, res) => {
    const { org } = authOf(req);
    const scope = scopeOf(req);
    const { created, body } = await assignReferralCode(deps, org, scope, parse(assignReferralCodeSchema, req.body));
    sendJson(res, body, created ? 201 : 200);
  });
}
