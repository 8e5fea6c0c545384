import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { Org } from '../orgs/repo';
import { orgForStripeAccount } from '../orgs/service';
import { DuplicateKeyError } from '../store/driver';
import { stripeFailure, type StripeClients } from '../stripe/client';
import type { AppGrant } from './repo';
import type { AppMode } from './schemas';

/**
 * The Stripe accounts a one-brand deployment's own keys belong to, and the modes each may act in:
 * the live key's account in both (its Dashboard has a test mode too), an account known only from
 * the test key (a sandbox, or a separate test account) in test mode only, so that whoever can open
 * a sandbox cannot reach live data. Learned once per process; a failed lookup is tried again.
 */
const ownAccountsByClients = new WeakMap<StripeClients, Promise<Map<string, Set<AppMode>>>>();

async function learnOwnAccounts(deps: Deps): Promise<Map<string, Set<AppMode>>> {
  const accounts = new Map<string, Set<AppMode>>();
  for (const mode of ['live', 'test'] as const) {
    const client = deps.stripe.forOrg({ stripeAccountId: null }, mode === 'live');
    if (!client) continue;
    let accountId: string;
    try {
      accountId = (await client.stripe.accounts.retrieveCurrent()).id;
    } catch (error) {
      throw stripeFailure(error, `say which account the ${mode} key belongs to`);
    }
    const modes = accounts.get(accountId) ?? new Set<AppMode>();
    accounts.set(accountId, mode === 'live' ? new Set<AppMode>(['live', 'test']) : modes.add('test'));
  }
  return accounts;
}

function ownAccounts(deps: Deps): Promise<Map<string, Set<AppMode>>> {
  let learned = ownAccountsByClients.get(deps.stripe);
  if (!learned) {
    learned = learnOwnAccounts(deps);
    ownAccountsByClients.set(deps.stripe, learned);
    learned.catch(() => ownAccountsByClients.delete(deps.stripe));
  }
  return learned;
}

/**
 * The org a signed Stripe App request acts on. One brand (`STRIPE_ORG_ID`): that org, for a
 * signature from one of the brand's own accounts only, since the private app the brand uploads is
 * installed there and its webhooks (without `event.account`) land in that org. Many brands
 * (Connect): the installing account's own org, made on first use.
 */
export async function orgForAppAccount(deps: Deps, accountId: string, mode: AppMode): Promise<Org> {
  const brandOrgId = deps.config.STRIPE_ORG_ID;
  if (!brandOrgId) return orgForStripeAccount(deps, accountId);
  const modes = (await ownAccounts(deps)).get(accountId);
  if (!modes) {
    throw new ApiError(
      'permission_error',
      'account_not_this_brand',
      `This Shoutout serves one brand (STRIPE_ORG_ID=${brandOrgId}), and ${accountId} is not one of the Stripe accounts its keys (STRIPE_SECRET_KEY, STRIPE_TEST_SECRET_KEY) belong to. Install the app on the brand's own account or sandbox.`,
    );
  }
  if (!modes.has(mode)) {
    throw new ApiError(
      'permission_error',
      'account_mode_not_allowed',
      `${accountId} is the account of STRIPE_TEST_SECRET_KEY only (a sandbox or test account), so it acts on test-mode data only.`,
    );
  }
  const org = await deps.store.orgs.get(brandOrgId);
  if (!org) {
    throw new ApiError('api_error', 'app_not_configured', `STRIPE_ORG_ID names ${brandOrgId}, which does not exist: create it with \`npm run shoutout -- init\`.`, {
      status: 503,
    });
  }
  return org;
}

/** The CLI command that grants a user of an org: named in every refusal, so the operator can paste it. */
export const grantCommand = (orgId: string, userId: string) => `npm run shoutout -- app grant --org ${orgId} --user ${userId}`;

const notGrantedMessage = (orgId: string, userId: string) =>
  `${userId} may see but not change Shoutout for this account: changes need a grant. The operator grants it with \`${grantCommand(orgId, userId)}\`.`;

/**
 * The first Dashboard user to open the app of an org installed through Connect is granted: Stripe
 * lets only administrators install an app and takes them straight to its settings, and a vendor's
 * operator cannot know the users of every installing account. It happens once per org, ever, so
 * revoking everyone does not hand the grant to whoever comes next. A one-brand org's operator has
 * the CLI, so nobody is granted there without it.
 */
async function grantFirstUser(deps: Deps, org: Org, userId: string): Promise<AppGrant | null> {
  if (!org.stripeAccountId) return null;
  const now = deps.now();
  try {
    await deps.store.appGrants.claimFirstUser({ orgId: org.id, userId, claimedAt: now });
  } catch (error) {
    if (error instanceof DuplicateKeyError) return null;
    throw error;
  }
  return deps.store.appGrants.grant({ orgId: org.id, userId, grantedBy: 'first_user', grantedAt: now });
}

/** Whether this Dashboard user may change things, and if not, the message that says how they can. */
export async function appAccess(deps: Deps, org: Org, userId: string) {
  const stored = await deps.store.appGrants.get(org.id, userId);
  const grant = stored && !stored.revokedAt ? stored : await grantFirstUser(deps, org, userId);
  return grant
    ? { object: 'app_access' as const, user_id: userId, granted: true, message: null }
    : { object: 'app_access' as const, user_id: userId, granted: false, message: notGrantedMessage(org.id, userId) };
}

/** Refuses a change by a user without a grant, naming them and the command that grants them. */
export async function assertGranted(deps: Deps, org: Org, userId: string): Promise<void> {
  const access = await appAccess(deps, org, userId);
  if (!access.granted) throw new ApiError('permission_error', 'app_user_not_granted', access.message!);
}

export async function grantAppUser(deps: Deps, org: Org, userId: string): Promise<AppGrant> {
  return deps.store.appGrants.grant({ orgId: org.id, userId, grantedBy: 'operator', grantedAt: deps.now() });
}

export async function revokeAppUser(deps: Deps, org: Org, userId: string): Promise<AppGrant> {
  const revoked = await deps.store.appGrants.revoke(org.id, userId, deps.now());
  if (revoked) return revoked;
  const existing = await deps.store.appGrants.get(org.id, userId);
  if (existing) return existing;
  throw ApiError.invalid('grant_missing', `${userId} has no grant in ${org.id}.`, 'user', 404);
}

export const listAppGrants = (deps: Deps, org: Org) => deps.store.appGrants.list(org.id);
