import express, { type IRouter, type Request, type RequestHandler, type Response } from 'express';
import { loadPixel, type PixelVariant } from '../../../pixel/build';
import type { Deps } from '../deps';
import { bearerToken, requireApiKey } from '../http/auth';
import { ApiError } from '../http/errors';
import { sendJson } from '../http/respond';
import { parse } from '../http/validate';
import { rateLimiter, visitorKey } from './limits';
import { presentBrowserClick, presentCodeValidation, presentServerClick } from './present';
import { browserClickSchema, type HeartbeatResponse, namedOrg, orgId, type ServerClickInput, serverClickSchema, validateCodeQuery, verifySchema } from './schemas';
import { type Caller, recordClick, recordHeartbeat, validateCode } from './service';

// A click is a few hundred bytes; anything near this is not from the pixel.
const BODY_LIMIT = '8kb';
const SCRIPT_CACHE = 'public, max-age=86400, stale-while-revalidate=604800';
const VERSIONED_SCRIPT_CACHE = 'public, max-age=31536000, immutable';
// `?v=` takes the ETag as the site owner sees it in their browser's tools, whichever encoding's.
const isCurrentVersion = (version: string, v: unknown) => v === version || v === `${version}-br` || v === `${version}-gz`;

declare module 'express-serve-static-core' {
  interface Request {
    /** `req.ip` as first read by `visitorIp`. */
    visitorIp?: string;
  }
}

/** `req.ip`, worked out once: Express works it out anew (trusted proxies, X-Forwarded-For) on every read. */
const visitorIp = (req: Request): string | undefined => (req.visitorIp ??= req.ip);

/** What every keyless-capable tracking route runs: CORS, optional key, rate limits, the text/JSON body, and who the caller is. */
export type TrackingMiddleware = ReturnType<typeof trackingMiddleware>;

/** Built once per app, so that the pixel's and Blitz Rocket's routes share their rate-limit counters. */
export function trackingMiddleware(deps: Deps) {
  const trackingKey = requireApiKey(deps, 'tracking');
  // Only keyless callers are limited: a backend with a key sends every visitor's clicks from one IP.
  // A key counts once it has been checked (`optionalKey` runs first), not for being sent.
  const perIp = rateLimiter(deps.store, 'tracking_ip', deps.config.TRACKING_RATE_LIMIT_PER_IP)((req) => {
    if (req.auth) return undefined;
    const ip = visitorIp(req);
    return ip ? visitorKey(ip) : undefined;
  });
  // Each route counts the org its handler acts on, read the way the handler reads it.
  const perOrgLimit = rateLimiter(deps.store, 'tracking_org', deps.config.TRACKING_RATE_LIMIT_PER_ORG);
  const perOrg = (orgOf: (req: Request) => unknown) =>
    perOrgLimit((req) => {
      if (req.auth) return undefined;
      // Normalised as the handler parses it: ` org_…` is the same org, not a fresh bucket.
      const org = orgId.safeParse(orgOf(req));
      return org.success ? org.data : undefined;
    });
  const bodyOf = (req: Request) => (req.body ?? {}) as { org?: unknown; programId?: unknown };
  const perPixelOrg = perOrg((req) => bodyOf(req).org);
  const perProgram = perOrg((req) => bodyOf(req).programId ?? bodyOf(req).org);
  const perQueryOrg = perOrg((req) => req.query.org);
  // Responses carry nothing a cross-origin page may not read: the Origin check decides who gets one.
  const cors: RequestHandler = (req, res, next) => {
    res.set('Access-Control-Allow-Origin', '*');
    if (req.method !== 'OPTIONS') return next();
    res
      .set({
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': 'Content-Type, Authorization',
        'Access-Control-Max-Age': '86400',
      })
      .status(204)
      .end();
  };
  const optionalKey: RequestHandler = (req, res, next) => (bearerToken(req) !== undefined ? trackingKey(req, res, next) : next());
  // The pixel posts text/plain so that the browser sends no CORS preflight, and backends post JSON:
  // both are read as text and parsed here, one body layer instead of a parser per type.
  const body: RequestHandler[] = [
    express.text({ type: ['text/plain', 'application/json'], limit: BODY_LIMIT }),
    (req, _res, next) => {
      if (typeof req.body !== 'string') return next();
      try {
        req.body = JSON.parse(req.body);
      } catch {
        return next(ApiError.invalid('body_invalid_json', 'Request body is not valid JSON.'));
      }
      next();
    },
  ];
  const callerOf = (req: Request): Caller =>
    req.auth ? { kind: 'key', org: req.auth.org, livemode: req.auth.livemode } : { kind: 'browser', origin: requestOrigin(req) };
  return { cors, optionalKey, perIp, body, perOrg, perPixelOrg, perProgram, perQueryOrg, callerOf };
}

/**
 * The pixel's routes and seed 003's server-side tracking API. Registered before the app-wide JSON
 * parser so that these routes get their own small body cap and accept the pixel's text/plain.
 */
export function trackingRoutes(app: IRouter, deps: Deps, { cors, optionalKey, perIp, body, perPixelOrg, perProgram, perQueryOrg, callerOf }: TrackingMiddleware): void {
  app.options(['/api/track/click', '/api/tracking/click', '/api/tracking/verify', '/api/codes/:code/validate'], cors);

  // GET /api/script.js – the pixel, in the best encoding the browser takes, cacheable everywhere
  app.get('/api/script.js', (req, res) => sendPixel(req, res, 'pixel'));

  // GET /api/referral-tracker.js – the pixel with Blitz Rocket's query-string settings and signup and purchase calls
  app.get('/api/referral-tracker.js', (req, res) => sendPixel(req, res, 'referral-tracker'));

  // POST /api/track/click – record a referral click from the pixel
  app.post('/api/track/click', cors, perIp, ...body, perPixelOrg, async (req, res) => {
    const input = parse(browserClickSchema, req.body);
    const outcome = await recordClick(deps, callerOf(req), {
      orgId: input.org,
      code: input.code,
      pageUrl: input.pageUrl,
      referrer: input.referrer,
      consent: input.consent,
      gpc: input.gpc,
      existingRef: input.ref,
      userAgent: req.get('user-agent') ?? null,
      ip: visitorIp(req) ?? null,
      source: 'pixel',
      codeFromPage: true,
      params: { org: 'org', code: 'code' },
    });
    sendJson(res, presentBrowserClick(outcome));
  });

  // POST /api/tracking/click – seed 003's server-side click for apps and redirects (tracking key, or Origin-checked)
  app.post('/api/tracking/click', cors, optionalKey, perIp, ...body, perProgram, async (req, res) => {
    const input = parse(serverClickSchema, req.body);
    const outcome = await recordServerClick(deps, req, callerOf(req), input, namedOrg(input));
    sendJson(res, presentServerClick(outcome));
  });

  // POST /api/tracking/verify – install heartbeat: a page on one of the org's domains runs the pixel
  app.post('/api/tracking/verify', cors, optionalKey, perIp, ...body, perProgram, async (req, res) => {
    const input = parse(verifySchema, req.body);
    const heartbeat = await recordHeartbeat(deps, callerOf(req), input.programId ?? input.org, input.programId ? 'programId' : 'org', input.pageUrl);
    sendJson(res, { status: 'ok', programId: heartbeat.orgId, domain: heartbeat.domain } satisfies HeartbeatResponse);
  });

  // GET /api/codes/:code/validate – whether a code typed by hand is usable, with its creator and discount
  app.get('/api/codes/:code/validate', cors, optionalKey, perIp, perQueryOrg, async (req, res) => {
    const { org } = parse(validateCodeQuery, req.query);
    const code = String(req.params.code);
    if (code.length > 64) throw ApiError.invalid('parameter_invalid', 'Invalid code: must be at most 64 characters', 'code');
    sendJson(res, presentCodeValidation(await validateCode(deps, callerOf(req), org, code)));
  });
}

/** A build of the pixel, in the best encoding the browser takes, cacheable everywhere. */
async function sendPixel(req: Request, res: Response, variant: PixelVariant) {
  const pixel = await loadPixel(variant);
  // Our preference, not the client's listing order: browsers list gzip before br.
  const encoding = req.acceptsEncodings('br') || req.acceptsEncodings('gzip') || undefined;
  const [bytes, tag] = encoding === 'br' ? [pixel.brotli, '-br'] : encoding === 'gzip' ? [pixel.gzip, '-gz'] : [pixel.raw, ''];
  res.set({
    'Content-Type': 'text/javascript; charset=utf-8',
    'Cache-Control': isCurrentVersion(pixel.version, req.query.v) ? VERSIONED_SCRIPT_CACHE : SCRIPT_CACHE,
    ETag: `"${pixel.version}${tag}"`,
    Vary: 'Accept-Encoding',
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    'X-Content-Type-Options': 'nosniff',
  });
  if (req.fresh) return void res.status(304).end();
  if (encoding) res.set('Content-Encoding', encoding);
  res.send(bytes);
}

/** Seed 003's server-side click (and Blitz Rocket's track-visit); `org` is the org as the request named it. */
export function recordServerClick(deps: Deps, req: Request, caller: Caller, input: ServerClickInput, org: { orgId: string | undefined; param: string }) {
  return recordClick(deps, caller, {
    orgId: org.orgId,
    code: input.referralCode,
    pageUrl: input.pageUrl,
    referrer: input.referrer,
    consent: input.consentGranted,
    gpc: undefined,
    existingRef: input.ref,
    // With a key the request comes from the brand's backend: only what it says about the visitor
    // counts. Seed 003 has backends call without a key too, so their visitor's user agent is taken
    // when sent (the header is no more trustworthy); the IP only from a key's caller, as it is hashed
    // onto the click and a keyless caller could name anyone's.
    userAgent: input.userAgent ?? (caller.kind === 'key' ? null : (req.get('user-agent') ?? null)),
    ip: caller.kind === 'key' ? (input.ipAddress ?? null) : (visitorIp(req) ?? null),
    source: caller.kind === 'key' ? 'server' : 'pixel',
    codeFromPage: false,
    params: { org: org.param, code: 'referralCode' },
  });
}

/** The page that sent the request: its Origin, or failing that its Referer's origin. */
function requestOrigin(req: Request): string | null {
  const origin = req.get('origin');
  if (origin) return origin;
  const referer = req.get('referer');
  if (!referer) return null;
  try {
    return new URL(referer).origin;
  } catch {
    return null;
  }
}
