import { randomBytes } from 'node:crypto';
import { newId, sha256Hex } from '../crypto';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import { DuplicateKeyError } from '../store/driver';
import { type ApiKey, type ApiKeyScope, DEFAULT_BRAND_COLOR, DEFAULT_PAYOUT_HOLD_DAYS, type Org, type OrgScope } from './repo';
import { type CreateApiKeyInput, type CreateOrgInput, createApiKeySchema, type UpdateOrgInput } from './schemas';

export const DEFAULT_REFERRAL_PARAM = 'infl';
const KEY_LAST_USED_GRANULARITY_MS = 60_000;

export interface AuthContext {
  org: Org;
  livemode: boolean;
  key: ApiKey;
}

/** `id` is for orgs whose id must be deterministic (one org per Stripe account, see orgForStripeAccount). */
export async function createOrg(deps: Deps, input: CreateOrgInput & { stripeAccountId?: string | null; id?: string }): Promise<Org> {
  const org: Org = {
    id: input.id ?? newId('org'),
    name: input.name,
    domains: input.domains ?? [],
    attributionWindowDays: input.attribution_window_days ?? 30,
    referralParams: input.referral_params ?? [DEFAULT_REFERRAL_PARAM],
    attributionModel: input.attribution_model ?? 'last_click',
    codeBeatsLink: input.code_beats_link ?? true,
    respectGlobalPrivacyControl: input.respect_global_privacy_control ?? false,
    cleanUrl: input.clean_url ?? false,
    payoutHoldDays: input.payout_hold_days ?? DEFAULT_PAYOUT_HOLD_DAYS,
    trustBrowserReports: input.trust_browser_reports ?? false,
    brandColor: input.brand_color ?? DEFAULT_BRAND_COLOR,
    emailFirstConversion: input.email_first_conversion ?? true,
    emailPayoutRecorded: input.email_payout_recorded ?? true,
    stripeAccountId: input.stripeAccountId ?? null,
    createdAt: deps.now(),
    uninstalledAt: null,
  };
  await deps.store.orgs.create(org);
  return org;
}

/**
 * The org of an installing Stripe account, created on first use. Its id is derived from the account
 * id, so concurrent first requests (the install event, several views loading at once) race on the
 * unique `id` index and all end up with the one org, without a read-modify-write.
 */
export async function orgForStripeAccount(deps: Deps, accountId: string): Promise<Org> {
  const existing = await deps.store.orgs.findByStripeAccount(accountId);
  if (existing) return existing;
  const id = `org_${sha256Hex(`stripe-account:${accountId}`).slice(0, 24)}`;
  try {
    return await createOrg(deps, { id, name: accountId, stripeAccountId: accountId });
  } catch (error) {
    if (!(error instanceof DuplicateKeyError)) throw error;
  }
  const created = await deps.store.orgs.get(id);
  if (!created) throw new Error(`the org of ${accountId} vanished after a duplicate insert`);
  return created;
}

export async function getOrg(deps: Deps, orgId: string): Promise<Org> {
  const org = await deps.store.orgs.get(orgId);
  if (!org) throw ApiError.notFound('org', 'org');
  return org;
}

export async function updateOrg(deps: Deps, orgId: string, input: UpdateOrgInput): Promise<Org> {
  const changes: Partial<Org> = {
    ...(input.name !== undefined && { name: input.name }),
    ...(input.domains !== undefined && { domains: [...new Set(input.domains)] }),
    ...(input.attribution_window_days !== undefined && { attributionWindowDays: input.attribution_window_days }),
    ...(input.referral_params !== undefined && { referralParams: [...new Set(input.referral_params)] }),
    ...(input.attribution_model !== undefined && { attributionModel: input.attribution_model }),
    ...(input.code_beats_link !== undefined && { codeBeatsLink: input.code_beats_link }),
    ...(input.respect_global_privacy_control !== undefined && {
      respectGlobalPrivacyControl: input.respect_global_privacy_control,
    }),
    ...(input.clean_url !== undefined && { cleanUrl: input.clean_url }),
    ...(input.payout_hold_days !== undefined && { payoutHoldDays: input.payout_hold_days }),
    ...(input.trust_browser_reports !== undefined && { trustBrowserReports: input.trust_browser_reports }),
    ...(input.brand_color !== undefined && { brandColor: input.brand_color }),
    ...(input.email_first_conversion !== undefined && { emailFirstConversion: input.email_first_conversion }),
    ...(input.email_payout_recorded !== undefined && { emailPayoutRecorded: input.email_payout_recorded }),
  };
  // An empty patch changes nothing; the store refuses an empty update.
  if (!Object.keys(changes).length) return getOrg(deps, orgId);
  const updated = await deps.store.orgs.update(orgId, changes);
  if (!updated) throw ApiError.notFound('org', 'org');
  return updated;
}

/** Returns the only copy of the secret key there will ever be, with the stored record. */
export async function createApiKey(deps: Deps, orgId: string, input: CreateApiKeyInput = {}) {
  const { name, scopes, livemode = true } = createApiKeySchema.parse(input);
  const secret = `so_${livemode ? 'live' : 'test'}_${randomBytes(24).toString('base64url')}`;
  const key: ApiKey = {
    id: newId('key'),
    orgId,
    livemode,
    name,
    hash: sha256Hex(secret),
    redacted: `${secret.slice(0, 8)}…${secret.slice(-4)}`,
    scopes: [...new Set(scopes)],
    createdAt: deps.now(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await deps.store.apiKeys.create(key);
  return { secret, key };
}

/**
 * Keys made, listed and revoked by a caller in one mode (an admin key, the Dashboard) are that
 * mode's only, as in Stripe: a test key, handed to more people and machines, never leads to a live one.
 */
export function createApiKeyInMode(deps: Deps, scope: OrgScope, input: CreateApiKeyInput) {
  if (input.livemode !== undefined && input.livemode !== scope.livemode) {
    const [mode, other] = scope.livemode ? ['live', 'test'] : ['test', 'live'];
    throw new ApiError('permission_error', 'api_key_mode_mismatch', `A ${mode}-mode caller makes ${mode} keys only; make ${other} keys with a ${other} admin key or the CLI.`, {
      param: 'livemode',
    });
  }
  return createApiKey(deps, scope.orgId, { ...input, livemode: scope.livemode });
}

/** An org's keys; given a mode, that mode's only (see createApiKeyInMode). */
export async function listApiKeys(deps: Deps, orgId: string, livemode?: boolean) {
  const keys = await deps.store.apiKeys.list(orgId);
  return livemode === undefined ? keys : keys.filter((key) => key.livemode === livemode);
}

export async function revokeApiKey(deps: Deps, orgId: string, keyId: string, livemode?: boolean): Promise<ApiKey> {
  const existing = (await listApiKeys(deps, orgId, livemode)).find((key) => key.id === keyId);
  if (!existing) throw ApiError.notFound('API key', 'id');
  return (await deps.store.apiKeys.revoke(orgId, keyId, deps.now())) ?? existing;
}

/** Resolves a bearer secret to its org, or explains precisely why it cannot. */
export async function authenticate(deps: Deps, secret: string | undefined, scope: ApiKeyScope): Promise<AuthContext> {
  if (!secret) {
    throw new ApiError('authentication_error', 'api_key_missing', 'No API key provided. Send it as `Authorization: Bearer so_live_…`.');
  }
  const key = await deps.store.apiKeys.findByHash(sha256Hex(secret));
  if (!key) throw new ApiError('authentication_error', 'api_key_invalid', 'Invalid API key provided.');
  if (key.revokedAt) throw new ApiError('authentication_error', 'api_key_revoked', 'This API key has been revoked.');
  if (!key.scopes.includes(scope)) {
    throw new ApiError('permission_error', 'api_key_scope_missing', `This API key lacks the \`${scope}\` scope.`);
  }
  const org = await deps.store.orgs.get(key.orgId);
  if (!org) throw new ApiError('authentication_error', 'api_key_invalid', 'Invalid API key provided.');
  const now = deps.now();
  if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > KEY_LAST_USED_GRANULARITY_MS) {
    await deps.store.apiKeys.touch(key.id, now);
  }
  return { org, livemode: key.livemode, key };
}
