import { presentLookup } from '../catalog/present';
import { type CodeReferral, resolveActiveReferral } from '../catalog/service';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { Org, OrgScope } from '../orgs/repo';
import { verifyReferralToken } from '../referrals/token';
import { rewardSignup } from '../rewards/service';
import { listens } from '../webhooks/listening';
import type { IdentifyInput } from './schemas';

/** A referral to bind: an active code, and the click (if any) the visitor came through. */
export interface BindableReferral {
  scope: OrgScope;
  active: CodeReferral;
  clickId: string | null;
  referredAt: Date;
}

/**
 * The referral in a pixel cookie, if it is this org's and still usable. `livemode` is the API key's,
 * which the referral must match; a browser has none, and the referral's own mode is taken.
 */
export async function referralOfToken(deps: Deps, org: Org, livemode: boolean | undefined, ref: string, param = 'ref'): Promise<BindableReferral> {
  const referral = await verifyReferralToken(deps.secrets.referralSigningKey, ref, deps.now(), param);
  if (referral.orgId !== org.id) {
    throw ApiError.invalid('referral_org_mismatch', 'This referral was issued for another org than the API key’s.', param);
  }
  if (livemode !== undefined && referral.livemode !== livemode) {
    throw ApiError.invalid(
      'referral_mode_mismatch',
      `This referral is for ${referral.livemode ? 'live' : 'test'} mode; use a ${referral.livemode ? 'so_live_' : 'so_test_'} key.`,
      param,
    );
  }
  const scope: OrgScope = { orgId: org.id, livemode: referral.livemode };
  const active = await resolveActiveReferral(deps, scope, await deps.store.promoCodes.get(scope, referral.promoCodeId));
  if (!active) {
    throw ApiError.invalid('promo_code_inactive', `The code ${referral.code} is no longer active, so there is nothing to bind.`, param, 422);
  }
  return { scope, active, clickId: referral.clickId, referredAt: referral.issuedAt };
}

/**
 * Binds a referral to the brand's user and pays the campaign's signup rewards. Every call pays them,
 * not only the first: a retry completes rewards a crash left unwritten, and each pays once.
 */
export async function bindCustomer(deps: Deps, org: Org, referral: BindableReferral, externalId: string) {
  const { scope, active } = referral;
  const customerHash = deps.secrets.hashExternalId(org.id, externalId);
  const { doc: binding } = await deps.store.bindings.bind(
    scope,
    customerHash,
    {
      promoCodeId: active.promoCode.id,
      code: active.promoCode.code,
      creatorId: active.creator.id,
      campaignId: active.campaign.id,
      clickId: referral.clickId,
      referredAt: referral.referredAt,
    },
    org.attributionModel === 'first_click' ? 'earliest' : 'latest',
    deps.now(),
    await listens(deps, scope, 'customer.identified'),
  );
  const rewards = await rewardSignup(deps, scope, { campaignId: binding.campaignId, creatorId: binding.creatorId, customerHash });
  return { binding, rewards };
}

/** Binds the referral in a pixel cookie to the brand's user. Refuses, storing nothing, anything it cannot trust. */
export async function identify(deps: Deps, org: Org, livemode: boolean, input: IdentifyInput) {
  return bindCustomer(deps, org, await referralOfToken(deps, org, livemode, input.ref), input.externalId);
}

/** Seed 000's lookup: the bound creator, campaign and discount, or null when there is nothing usable. */
export async function lookup(deps: Deps, scope: OrgScope, externalId: string) {
  const binding = await deps.store.bindings.get(scope, deps.secrets.hashExternalId(scope.orgId, externalId));
  if (!binding) return null;
  const referral = await resolveActiveReferral(deps, scope, await deps.store.promoCodes.get(scope, binding.promoCodeId));
  return referral ? presentLookup(referral) : null;
}
