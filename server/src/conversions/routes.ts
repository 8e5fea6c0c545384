import { Router } from 'express';
import type { Deps } from '../deps';
import { authOf, requireApiKey, scopeOf } from '../http/auth';
import { parse } from '../http/validate';
import { createConversionSchema } from './schemas';
import { createManualConversion, presentConversions } from './service';

export function conversionRoutes(deps: Deps): Router {
  const router = Router();

  // POST /api/conversions – record an offline or non-Stripe order; idempotent on order_id
  router.post('/conversions', requireApiKey(deps, 'referrals'), async (req, res) => {
    const { org, livemode } = authOf(req);
    const { conversion, created } = await createManualConversion(deps, org, livemode, parse(createConversionSchema, req.body));
    const [presented] = await presentConversions(deps, scopeOf(req), [conversion]);
    res.status(created ? 201 : 200).json(presented);
  });

  return router;
}
