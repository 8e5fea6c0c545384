import { presentReferral } from '../catalog/present';
import { resolveActiveReferral } from '../catalog/service';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { Org, OrgScope } from '../orgs/repo';
import { verifyReferralToken } from '../referrals/token';
import { listens } from '../webhooks/listening';
import type { IdentifyInput } from './schemas';

/** Binds the referral in a pixel cookie to the brand's user. Refuses, storing nothing, anything it cannot trust. */
export async function identify(deps: Deps, org: Org, livemode: boolean, input: IdentifyInput): Promise<void> {
  const referral = await verifyReferralToken(deps.secrets.referralSigningKey, input.ref, deps.now());
  if (referral.orgId !== org.id) {
    throw ApiError.invalid('referral_org_mismatch', 'This referral was issued for another org than the API key’s.', 'ref');
  }
  if (referral.livemode !== livemode) {
    throw ApiError.invalid(
      'referral_mode_mismatch',
      `This referral is for ${referral.livemode ? 'live' : 'test'} mode; use a ${referral.livemode ? 'so_live_' : 'so_test_'} key.`,
      'ref',
    );
  }
  const scope: OrgScope = { orgId: org.id, livemode };
  const active = await resolveActiveReferral(deps, scope, await deps.store.promoCodes.get(scope, referral.promoCodeId));
  if (!active) {
    throw ApiError.invalid('promo_code_inactive', `The code ${referral.code} is no longer active, so there is nothing to bind.`, 'ref', 422);
  }
  await deps.store.bindings.bind(
    scope,
    deps.secrets.hashExternalId(org.id, input.externalId),
    {
      promoCodeId: active.promoCode.id,
      code: active.promoCode.code,
      creatorId: active.creator.id,
      campaignId: active.campaign.id,
      clickId: referral.clickId,
      referredAt: referral.issuedAt,
    },
    org.attributionModel === 'first_click' ? 'earliest' : 'latest',
    deps.now(),
    await listens(deps, scope, 'customer.identified'),
  );
}

/** Seed 000's lookup: the bound creator, campaign and discount, or null when there is nothing usable. */
export async function lookup(deps: Deps, scope: OrgScope, externalId: string) {
  const binding = await deps.store.bindings.get(scope, deps.secrets.hashExternalId(scope.orgId, externalId));
  if (!binding) return null;
  const referral = await resolveActiveReferral(deps, scope, await deps.store.promoCodes.get(scope, binding.promoCodeId));
  return referral ? presentReferral(referral) : null;
}
