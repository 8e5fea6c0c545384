import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { parse as parseCookies } from 'cookie';
import express, { type ErrorRequestHandler, type IRouter, type Request, type RequestHandler, type Response } from 'express';
import { overviewQuery } from '../app/schemas';
import { CREATOR_STATEMENT_COLUMNS, conversionsCsv } from '../conversions/csv';
import { sha256Hex } from '../crypto';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import { sendCsv } from '../http/respond';
import { parse } from '../http/validate';
import type { Org } from '../orgs/repo';
import type { Html } from './html';
import { portalOrg } from './links';
import {
  confirmSignInPage,
  conversionsPage,
  layout,
  messagePage,
  overviewPage,
  payoutsPage,
  pointsPage,
  type Section,
  signInPage,
  signInSentPage,
} from './pages';
import { pageQuery, signInForm, signInPageQuery, tokenParam } from './schemas';
import {
  endSession,
  type PortalContext,
  portalContextOf,
  portalConversions,
  portalOverview,
  portalPayouts,
  portalPoints,
  portalStatement,
  redeemSignInLink,
  SESSION_DAYS,
  SIGN_IN_LINK_MINUTES,
  sendSignInLinks,
  signInLimits,
  signInPageOrg,
} from './service';

declare module 'express-serve-static-core' {
  interface Request {
    portal?: PortalContext;
  }
}

const SESSION_COOKIE = 'shoutout_portal';
const ASSETS = path.join(import.meta.dirname, 'assets');
const formBody = express.urlencoded({ extended: false, limit: '8kb' });

/** Scripts and styles from this server only, the brand's colour through a per-response nonce; no frames, no forms elsewhere. */
function sendPage(res: Response, status: number, frame: { org?: Org; title: string; context?: PortalContext; section?: Section }, content: Html) {
  const nonce = randomBytes(16).toString('base64');
  res.status(status);
  res.set({
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': `default-src 'none'; script-src 'self'; style-src 'self' 'nonce-${nonce}'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    // same-origin, not no-referrer: with no-referrer Chromium posts forms with `Origin: null`, which sameOrigin must refuse.
    'Referrer-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
  });
  res.send(layout({ ...frame, nonce }, content));
}

const sessionTokenOf = (req: Request) => parseCookies(req.get('cookie') ?? '')[SESSION_COOKIE];

/** The signed-in creator, or a page saying how to sign in. */
function requireCreator(deps: Deps): RequestHandler {
  return async (req, res, next) => {
    const context = await portalContextOf(deps, sessionTokenOf(req));
    if (!context) {
      sendPage(res, 401, { title: 'Signed out' }, messagePage('You are signed out', 'Open the sign-in link from your email, or ask for a new one on your brand’s sign-in page.'));
      return;
    }
    req.portal = context;
    next();
  };
}

const contextOf = (req: Request) => {
  if (!req.portal) throw new Error('route is missing requireCreator');
  return req.portal;
};

/** Forms post only from the portal's own pages: a cross-site post (signing someone in as another creator) is refused. */
const sameOrigin: RequestHandler = (req, _res, next) => {
  const origin = req.get('origin');
  // Browsers send an Origin with every form post; an opaque one ("null") or another host's is refused.
  const crossSite = origin !== undefined && (!URL.canParse(origin) || new URL(origin).host !== req.get('host'));
  if (crossSite) throw new ApiError('permission_error', 'cross_site_form', 'This form can only be sent from the creator page itself.');
  next();
};

const signInPath = (orgId: string, mode: 'live' | 'test') => `/portal/sign-in?${new URLSearchParams({ org: orgId, ...(mode === 'test' && { mode }) })}`;

export function portalRoutes(app: IRouter, deps: Deps): void {
  const signedIn = requireCreator(deps);
  const limitSignIns = signInLimits(deps.store);

  // GET /portal/assets/* – the portal's stylesheet and script
  app.use('/portal/assets', express.static(ASSETS, { index: false, maxAge: '1h' }));

  // GET /portal/sign-in – a brand's sign-in page: the creator asks for a link by email
  app.get('/portal/sign-in', async (req, res) => {
    const { org: orgId, mode } = parse(signInPageQuery, req.query);
    const org = await signInPageOrg(deps, orgId);
    sendPage(res, 200, { org, title: 'Sign in' }, signInPage(org, mode, deps.mailer.configured));
  });

  // POST /portal/sign-in – email a sign-in link; the answer is the same whether or not the address is a creator's
  app.post('/portal/sign-in', formBody, sameOrigin, async (req, res) => {
    const { org: orgId, mode } = parse(signInPageQuery, req.body);
    const org = await signInPageOrg(deps, orgId);
    const form = signInForm.safeParse(req.body);
    if (!form.success) {
      sendPage(res, 400, { org, title: 'Sign in' }, signInPage(org, mode, deps.mailer.configured, 'Enter an email address such as you@example.com.'));
      return;
    }
    await limitSignIns(req.ip ?? '', form.data.email);
    sendPage(res, 200, { org, title: 'Check your email' }, signInSentPage(org, SIGN_IN_LINK_MINUTES, signInPath(org.id, mode)));
    // After the answer has gone: looking the address up cannot change it, nor how long it took.
    res.once('finish', () => {
      sendSignInLinks(deps, { orgId: org.id, livemode: mode === 'live' }, form.data.email).catch((error: unknown) =>
        deps.logger.error({ err: error, org: org.id }, 'sign-in link not sent'),
      );
    });
  });

  // GET /portal/auth – a sign-in link from an email: a button that uses it (link scanners only fetch)
  app.get('/portal/auth', async (req, res) => {
    const { token } = parse(tokenParam, req.query);
    const link = await deps.store.signInLinks.findUsable(sha256Hex(token), deps.now());
    const org = link && (await portalOrg(deps, link.orgId));
    if (!link || !org) throw new ApiError('authentication_error', 'sign_in_link_invalid', 'This sign-in link has expired or was used already. Ask for a new one.');
    sendPage(res, 200, { org, title: 'Sign in' }, confirmSignInPage(org, token));
  });

  // POST /portal/auth – use a sign-in link once and start a session (an HttpOnly cookie)
  app.post('/portal/auth', formBody, sameOrigin, async (req, res) => {
    const { token } = parse(tokenParam, req.body);
    const { sessionToken } = await redeemSignInLink(deps, token);
    res.cookie(SESSION_COOKIE, sessionToken, {
      httpOnly: true,
      secure: req.secure,
      sameSite: 'lax',
      path: '/portal',
      maxAge: SESSION_DAYS * 86_400_000,
    });
    res.redirect(303, '/portal/');
  });

  // POST /portal/sign-out – end the session, here and in the store
  app.post('/portal/sign-out', formBody, sameOrigin, async (req, res) => {
    const context = await portalContextOf(deps, sessionTokenOf(req));
    await endSession(deps, sessionTokenOf(req));
    res.clearCookie(SESSION_COOKIE, { path: '/portal', httpOnly: true, secure: req.secure, sameSite: 'lax' });
    res.redirect(303, context ? signInPath(context.org.id, context.scope.livemode ? 'live' : 'test') : '/portal/');
  });

  // GET /portal/ – the creator's links, codes and QR codes, results over a period, and balance
  app.get('/portal/', signedIn, async (req, res) => {
    const context = contextOf(req);
    const { period } = parse(overviewQuery, { period: req.query.period });
    const overview = await portalOverview(deps, context, period);
    sendPage(res, 200, { org: context.org, title: 'Overview', context, section: 'overview' }, await overviewPage(overview, context));
  });

  // GET /portal/conversions – the creator's sales, newest first, without the buyers
  app.get('/portal/conversions', signedIn, async (req, res) => {
    const context = contextOf(req);
    const { starting_after } = parse(pageQuery, req.query);
    const page = await portalConversions(deps, context, starting_after);
    sendPage(res, 200, { org: context.org, title: 'Sales', context, section: 'conversions' }, conversionsPage(page, !starting_after));
  });

  // GET /portal/payouts – the creator's balance per currency and the payouts recorded to them
  app.get('/portal/payouts', signedIn, async (req, res) => {
    const context = contextOf(req);
    const { balances, payouts } = await portalPayouts(deps, context);
    sendPage(res, 200, { org: context.org, title: 'Payouts', context, section: 'payouts' }, payoutsPage(balances, payouts));
  });

  // GET /portal/points – the creator's rewards balance and ledger, when the program has rewards
  app.get('/portal/points', signedIn, async (req, res) => {
    const context = contextOf(req);
    const { starting_after } = parse(pageQuery, req.query);
    const points = await portalPoints(deps, context, starting_after);
    sendPage(res, 200, { org: context.org, title: 'Points', context, section: 'points' }, pointsPage(points, !starting_after));
  });

  // GET /portal/payouts/:id/statement.csv – one of the creator's payouts as a statement of the sales it paid for
  app.get('/portal/payouts/:id/statement.csv', signedIn, async (req, res) => {
    const context = contextOf(req);
    const { payout, conversions } = await portalStatement(deps, context, String(req.params.id));
    sendCsv(res, `statement-${payout.id}`, conversionsCsv(conversions, CREATOR_STATEMENT_COLUMNS), deps.now());
  });
}

/** Errors on portal pages as pages, not JSON: a browser shows them to a person. */
export function portalErrorPages(): ErrorRequestHandler {
  return (err, _req, res, next) => {
    if (!(err instanceof ApiError) || err.status >= 500 || res.headersSent) return next(err);
    const heading = err.status === 404 ? 'Not found' : err.status === 429 ? 'Too many requests' : err.type === 'authentication_error' ? 'Sign-in link not valid' : 'Something is not right';
    sendPage(res, err.status, { title: heading }, messagePage(heading, err.message));
  };
}
