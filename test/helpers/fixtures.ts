import { randomBytes } from 'node:crypto';
import { createCampaign, createCreator, createPromoCode } from '../../server/src/catalog/service';
import type { CreateCampaignInput } from '../../server/src/catalog/schemas';
import type { Deps } from '../../server/src/deps';
import type { ApiKeyScope } from '../../server/src/orgs/repo';
import type { CreateOrgInput } from '../../server/src/orgs/schemas';
import { createApiKey, createOrg } from '../../server/src/orgs/service';
import { mintReferralToken } from '../../server/src/referrals/token';

export const uniqueCode = (prefix = 'CODE') => `${prefix}${randomBytes(3).toString('hex').toUpperCase()}`;

/** A fresh org with one key holding every scope, in the requested mode. */
export async function createTestOrg(deps: Deps, input: Partial<CreateOrgInput> = {}, options: { livemode?: boolean; scopes?: ApiKeyScope[] } = {}) {
  const org = await createOrg(deps, { name: 'Test Brand', domains: ['brand.test'], ...input });
  const livemode = options.livemode ?? true;
  const { secret } = await createApiKey(deps, org.id, {
    name: 'test',
    scopes: options.scopes ?? ['referrals', 'tracking', 'admin'],
    livemode,
  });
  return { org, key: secret, scope: { orgId: org.id, livemode } };
}

/** A creator with an active code in a running 20%-off campaign. */
export async function createTestReferral(
  deps: Deps,
  scope: { orgId: string; livemode: boolean },
  options: { handle?: string; code?: string; campaign?: Partial<CreateCampaignInput> } = {},
) {
  const creator = await createCreator(deps, scope, { handle: options.handle ?? `annie${randomBytes(3).toString('hex')}`, name: 'Annie' });
  const campaign = await createCampaign(deps, scope, {
    title: 'Summer drop',
    discount_type: 'percent_off',
    discount_value: 20,
    duration: 'once',
    ...options.campaign,
  });
  const promoCode = await createPromoCode(deps, scope, {
    code: options.code ?? uniqueCode('ANNIE'),
    creator: creator.id,
    campaign: campaign.id,
  });
  return { creator, campaign, promoCode };
}

/** An org with a key and one active referral: where most tests start. */
export async function createOrgWithReferral(deps: Deps, orgInput: Partial<CreateOrgInput> = {}) {
  const { org, key, scope } = await createTestOrg(deps, orgInput);
  return { org, key, scope, ...(await createTestReferral(deps, scope)) };
}

/** The cookie value the pixel would have set for a click on this code. */
export function mintTestRef(
  deps: Deps,
  promoCode: { orgId: string; livemode: boolean; id: string; code: string },
  options: { issuedAt?: Date; windowDays?: number; clickId?: string | null } = {},
) {
  return mintReferralToken(
    deps.secrets.referralSigningKey,
    { orgId: promoCode.orgId, livemode: promoCode.livemode, code: promoCode.code, promoCodeId: promoCode.id, clickId: options.clickId ?? null },
    { issuedAt: options.issuedAt ?? deps.now(), windowDays: options.windowDays ?? 30 },
  );
}
