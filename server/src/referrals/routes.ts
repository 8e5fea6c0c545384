import type { IRouter, Request } from 'express';
import type { Deps } from '../deps';
import { requireApiKey, scopeOf } from '../http/auth';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { presentCodeValidation, presentServerClick } from '../tracking/present';
import { recordServerClick, type TrackingMiddleware } from '../tracking/routes';
import { namedOrg } from '../tracking/schemas';
import { presentReport, presentTracked } from './present';
import {
  listReportsQuery,
  type ReferralCodeValidationResponse,
  type ReferralReportPageResponse,
  trackPurchaseSchema,
  trackSignupSchema,
  type TrackVisitResponse,
  trackVisitSchema,
  validateReferralCodeQuery,
} from './schemas';
import { listReports, trackPurchase, trackSignup, validateReferralCode } from './service';

/**
 * Blitz Rocket's referral API under its own paths, so code written for it runs here unchanged: thin
 * aliases of the click, identify, conversion and code-check services. Keyless calls are the
 * browser's, Origin-checked and rate limited as the pixel's are; calls with a `tracking` key are a server's.
 */
export function referralRoutes(app: IRouter, deps: Deps, { cors, optionalKey, perIp, body, perOrg, callerOf }: TrackingMiddleware): void {
  const orgNamedIn = (read: (req: Request) => { org?: string; programId?: string; campaignId?: string }) =>
    perOrg((req) => namedOrg(read(req) ?? {}).orgId);
  const perBodyOrg = orgNamedIn((req) => req.body);
  const perQueryOrg = orgNamedIn((req) => req.query as Record<string, string>);

  app.options(['/api/referral/track-visit', '/api/referral/track-signup', '/api/referral/track-purchase', '/api/referral/validate-code'], cors);

  // POST /api/referral/track-visit – a visit through a referral link (the server-side click)
  app.post('/api/referral/track-visit', cors, optionalKey, perIp, ...body, perBodyOrg, async (req, res) => {
    const input = parse(trackVisitSchema, req.body);
    const outcome = await recordServerClick(deps, req, callerOf(req), input, namedOrg(input));
    sendJson(res, { success: outcome.status === 'ok', ...presentServerClick(outcome) } satisfies TrackVisitResponse);
  });

  // POST /api/referral/track-signup – a referred signup: bound and rewarded from a server, kept as reported from a browser
  app.post('/api/referral/track-signup', cors, optionalKey, perIp, ...body, perBodyOrg, async (req, res) => {
    sendJson(res, presentTracked(await trackSignup(deps, callerOf(req), parse(trackSignupSchema, req.body))));
  });

  // POST /api/referral/track-purchase – a referred purchase: credited from a server, kept as reported from a browser
  app.post('/api/referral/track-purchase', cors, optionalKey, perIp, ...body, perBodyOrg, async (req, res) => {
    sendJson(res, presentTracked(await trackPurchase(deps, callerOf(req), parse(trackPurchaseSchema, req.body))));
  });

  // GET /api/referral/validate-code – whether a referral code is usable, with its creator and discount
  app.get('/api/referral/validate-code', cors, optionalKey, perIp, perQueryOrg, async (req, res) => {
    const input = parse(validateReferralCodeQuery, req.query);
    const code = (input.referralCode ?? input.code)!;
    const validation = presentCodeValidation(await validateReferralCode(deps, callerOf(req), { ...input, code }));
    sendJson(res, { ...validation, referralCode: code.toUpperCase() } satisfies ReferralCodeValidationResponse);
  });

  // GET /api/referral/reports – the signups and purchases reported, newest first, and whether anything confirms them
  app.get('/api/referral/reports', requireApiKey(deps, 'admin'), async (req, res) => {
    const page = await listReports(deps, scopeOf(req), parse(listReportsQuery, req.query));
    const data = page.data.map(({ report, paidOnStripe }) => presentReport(report, paidOnStripe));
    sendJson(res, { object: 'list', data, has_more: page.has_more } satisfies ReferralReportPageResponse);
  });
}
