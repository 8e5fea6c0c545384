import type { IRouter } from 'express';
import type { Deps } from '../deps';
import { authOf, requireApiKey, scopeOf } from '../http/auth';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { createConversionSchema } from './schemas';
import { createManualConversion, presentConversions } from './service';

export function conversionRoutes(app: IRouter, deps: Deps): void {

  // POST /api/conversions – record an offline or non-Stripe order; idempotent on order_id
  app.post('/api/conversions', requireApiKey(deps, 'referrals'), async (req, res) => {
    const { org, livemode } = authOf(req);
    const { conversion, created } = await createManualConversion(deps, org, livemode, parse(createConversionSchema, req.body));
    const [presented] = await presentConversions(deps, scopeOf(req), [conversion]);
    sendJson(res, presented, created ? 201 : 200);
  });
}
