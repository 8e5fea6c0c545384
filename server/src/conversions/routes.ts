import type { IRouter } from 'express';
import type { Deps } from '../deps';
import { authOf, requireApiKey, scopeOf } from '../http/auth';
import { sendCsv, sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { conversionsCsvInSlices } from './csv';
import { createConversionSchema, downloadQuery, exportConversionsQuery, listConversionsQuery } from './schemas';
import { createManualConversion, downloadConversions, exportConversions, getConversion, listConversions, presentConversions } from './service';

export function conversionRoutes(app: IRouter, deps: Deps): void {

  // POST /api/conversions – record an offline or non-Stripe order; idempotent on order_id
  app.post('/api/conversions', requireApiKey(deps, 'referrals'), async (req, res) => {
    const { org, livemode } = authOf(req);
    const { conversion, created } = await createManualConversion(deps, org, livemode, parse(createConversionSchema, req.body));
    const [presented] = await presentConversions(deps, scopeOf(req), [conversion]);
    sendJson(res, presented, created ? 201 : 200);
  });

  // GET /api/conversions – the conversions credited to creators, newest first, a page at a time
  app.get('/api/conversions', requireApiKey(deps, 'admin'), async (req, res) => {
    sendJson(res, await listConversions(deps, scopeOf(req), parse(listConversionsQuery, req.query)));
  });

  // GET /api/conversions/export – every matching conversion as a CSV sheet, for paying creators
  app.get('/api/conversions/export', requireApiKey(deps, 'admin'), async (req, res) => {
    const conversions = await exportConversions(deps, scopeOf(req), parse(exportConversionsQuery, req.query));
    sendCsv(res, 'conversions', await conversionsCsvInSlices(conversions), deps.now());
  });

  // GET /api/downloads/conversions – the CSV export behind a Stripe App link; the link's token is the only credential
  app.get('/api/downloads/conversions', async (req, res) => {
    const { token } = parse(downloadQuery, req.query);
    sendCsv(res, 'conversions', await conversionsCsvInSlices(await downloadConversions(deps, token)), deps.now());
  });

  // GET /api/conversions/:id – one conversion
  app.get('/api/conversions/:id', requireApiKey(deps, 'admin'), async (req, res) => {
    sendJson(res, await getConversion(deps, scopeOf(req), String(req.params.id)));
  });
}
