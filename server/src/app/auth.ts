import type { Request, RequestHandler } from 'express';
import Stripe from 'stripe';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import { parse } from '../http/validate';
import { logWith } from '../logger';
import type { Org, OrgScope } from '../orgs/repo';
import { assertGranted, orgForAppAccount } from './access';
import { type AppIdentity, appIdentitySchema, type AppMode, appModeSchema, type AppRequestScope } from './schemas';

/** Older signatures are replays: the Dashboard signs afresh for each request. */
const SIGNATURE_TOLERANCE_SECONDS = 300;
const IDENTITY_FIELDS = ['user_id', 'account_id', 'mode'] as const;

export interface AppContext extends AppIdentity {
  org: Org;
  scope: OrgScope;
}

declare module 'express-serve-static-core' {
  interface Request {
    stripeApp?: AppContext;
  }
}

/** CORS for the view's sandboxed iframe (origin `null`): requests carry a signature, never cookies. */
export const appCors: RequestHandler = (req, res, next) => {
  res.set('Access-Control-Allow-Origin', '*');
  if (req.method !== 'OPTIONS') return next();
  res.set({
    'Access-Control-Allow-Methods': 'GET, POST, PATCH, DELETE',
    'Access-Control-Allow-Headers': 'Stripe-Signature, Content-Type',
    'Access-Control-Max-Age': '600',
  });
  res.status(204).end();
};

function verifier() {
  const { signature } = Stripe.webhooks;
  if (!signature) throw new Error('stripe-node lacks webhook signature verification');
  return signature;
}

const bodyOf = (req: Request): Record<string, unknown> =>
  req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? (req.body as Record<string, unknown>) : {};

/**
 * Where the signed identity travels: the query string (what our views send, and the only place a
 * GET has), or the JSON body (Stripe's own examples). Whichever carries `account_id` is the claim.
 */
function claimOf(req: Request): Record<string, unknown> {
  return req.query.account_id !== undefined ? (req.query as Record<string, unknown>) : bodyOf(req);
}

type Verifier = ReturnType<typeof verifier>;

/** Whether `signature` is the app's over exactly this payload, within the tolerance: 'ok', 'expired' or 'mismatch'. */
function check(deps: Deps, verify: Verifier, payload: object, signature: string, secret: string) {
  try {
    verify.verifyHeader(JSON.stringify(payload), signature, secret, SIGNATURE_TOLERANCE_SECONDS, undefined, deps.now().getTime());
    return 'ok';
  } catch (error) {
    return error instanceof Error && /tolerance/i.test(error.message) ? 'expired' : 'mismatch';
  }
}

/**
 * Verifies the Dashboard's signature over the view's identity and this request's mode, method and
 * path (key order is part of the signed payload: user_id and account_id first, as the Dashboard
 * puts them), so a signature taken from one request works on no other route or mode.
 */
function verifiedIdentity(deps: Deps, req: Request): AppIdentity & { mode: AppMode } {
  const secret = deps.config.STRIPE_APP_SECRET;
  if (!secret) {
    throw new ApiError('api_error', 'app_not_configured', 'The Stripe App backend is not configured: set STRIPE_APP_SECRET.', { status: 503 });
  }
  const signature = req.get('stripe-signature');
  if (!signature) {
    throw new ApiError('authentication_error', 'signature_missing', 'Missing Stripe-Signature header: send `await fetchStripeSignature({mode, method, path})`.');
  }
  const identity = appIdentitySchema.safeParse(claimOf(req));
  if (!identity.success) {
    throw new ApiError('authentication_error', 'identity_missing', 'Send user_id and account_id (userContext) with the signature.');
  }
  const { user_id, account_id } = identity.data;
  const { mode } = parse(appModeSchema, { mode: claimOf(req).mode });
  const scope: AppRequestScope = { mode, method: req.method, path: req.originalUrl.split('?')[0] };
  const verify = verifier();
  const outcome = check(deps, verify, { user_id, account_id, ...scope }, signature, secret);
  if (outcome === 'expired') throw new ApiError('authentication_error', 'signature_expired', 'The Stripe-Signature is too old; fetch a new one for each request.');
  if (outcome === 'mismatch') {
    // Views from before signatures covered the request: say what to upload rather than "invalid".
    if (check(deps, verify, { user_id, account_id }, signature, secret) === 'ok') {
      throw new ApiError(
        'authentication_error',
        'signature_scope_missing',
        'The Stripe-Signature covers only user_id and account_id: these views are older than this server. Upload the app built from this version (npm run app:pack).',
      );
    }
    throw new ApiError(
      'authentication_error',
      'signature_invalid',
      `The Stripe-Signature does not match user_id, account_id and this request's mode, method and path (${mode} ${scope.method} ${scope.path}).`,
    );
  }
  return { user_id, account_id, mode };
}

/** Refuses a request that names, anywhere else, an account or user other than the signed one. */
function assertNoOtherAccount(req: Request, identity: AppIdentity) {
  const named = [req.query.account_id, bodyOf(req).account_id, req.get('stripe-account')].filter((value) => value !== undefined);
  const users = [req.query.user_id, bodyOf(req).user_id].filter((value) => value !== undefined);
  if (named.some((account) => account !== identity.account_id) || users.some((user) => user !== identity.user_id)) {
    throw new ApiError('permission_error', 'account_mismatch', `This request is signed for ${identity.account_id} and may act only on it.`);
  }
}

const READS = new Set(['GET', 'HEAD']);

/**
 * Authenticates a Stripe App view: verifies the Dashboard's signature over its identity and this
 * request, resolves the org the signing account acts on (app/access.ts) in the Dashboard's mode,
 * and lets only granted users change anything: the signature proves a user of the account, not
 * their role. The identity fields are removed from the body so routes see only their own parameters.
 */
export function requireAppSignature(deps: Deps): RequestHandler {
  return async (req, _res, next) => {
    const { mode, ...identity } = verifiedIdentity(deps, req);
    assertNoOtherAccount(req, identity);
    const body = bodyOf(req);
    for (const field of IDENTITY_FIELDS) delete body[field];
    const org = await orgForAppAccount(deps, identity.account_id, mode);
    logWith(req, { org: org.id, livemode: mode === 'live', stripe_account: identity.account_id, stripe_user: identity.user_id });
    if (!READS.has(req.method)) await assertGranted(deps, org, identity.user_id);
    req.stripeApp = { ...identity, org, scope: { orgId: org.id, livemode: mode === 'live' } };
    next();
  };
}

export function appContextOf(req: Request): AppContext {
  if (!req.stripeApp) throw new Error('route is missing requireAppSignature');
  return req.stripeApp;
}
