import { newId } from '../crypto';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { OrgScope } from '../orgs/repo';
import { DuplicateKeyError } from '../store/driver';
import { type OrgStripe, stripeFailure } from '../stripe/client';
import type { Campaign, Creator, PromoCode } from './repo';
import type { CreateCampaignInput, CreateCreatorInput, CreatePromoCodeInput } from './schemas';
import { markCreated } from '../store/outbox';
import { listens } from '../webhooks/listening';

/** A promo code with the creator it credits and the campaign behind its discount. */
export interface CodeReferral {
  promoCode: PromoCode;
  creator: Creator;
  campaign: Campaign;
}

export async function createCreator(deps: Deps, scope: OrgScope, input: CreateCreatorInput): Promise<Creator> {
  const creator: Creator = {
    ...scope,
    id: newId('cr'),
    handle: input.handle,
    name: input.name ?? input.handle,
    avatarUrl: input.avatar_url ?? null,
    email: input.email ?? null,
    stripeCustomerId: input.stripe_customer_id ?? null,
    createdAt: deps.now(),
  };
  try {
    await deps.store.creators.create({ ...creator, ...markCreated(await listens(deps, scope, 'creator.created')) });
  } catch (error) {
    if (error instanceof DuplicateKeyError) {
      throw ApiError.conflict('creator_exists', `A creator with handle "${input.handle}" already exists.`, 'handle');
    }
    throw error;
  }
  return creator;
}

export async function getCreator(deps: Deps, scope: OrgScope, idOrHandle: string, param = 'creator'): Promise<Creator> {
  const creator = idOrHandle.startsWith('cr_')
    ? await deps.store.creators.get(scope, idOrHandle)
    : await deps.store.creators.getByHandle(scope, idOrHandle.toLowerCase());
  if (!creator) throw ApiError.notFound('creator', param);
  return creator;
}

/** The creators of these records (conversions, payouts), each read once; a deleted one maps to null. */
export async function creatorsById(deps: Deps, scope: OrgScope, records: Iterable<{ creatorId: string }>) {
  const creators = new Map<string, Creator | null>();
  for (const { creatorId } of records) {
    if (!creators.has(creatorId)) creators.set(creatorId, await deps.store.creators.get(scope, creatorId));
  }
  return creators;
}

export async function createCampaign(deps: Deps, scope: OrgScope, input: CreateCampaignInput): Promise<Campaign> {
  const campaign: Campaign = {
    ...scope,
    id: newId('cmp'),
    title: input.title,
    discountType: input.discount_type,
    discountValue: input.discount_value,
    currency: input.discount_type === 'amount_off' ? (input.currency ?? null) : null,
    duration: input.duration,
    durationInMonths: input.duration === 'repeating' ? (input.duration_in_months ?? null) : null,
    startsAt: input.starts_at ?? null,
    endsAt: input.ends_at ?? null,
    commission: {
      type: input.commission?.type ?? 'percent',
      value: input.commission?.value ?? 0,
      currency: input.commission?.type === 'fixed' ? (input.commission.currency ?? input.currency ?? null) : null,
      recurringMonths: input.commission?.recurring_months ?? null,
    },
    stripeCouponId: null,
    createdAt: deps.now(),
  };
  await deps.store.campaigns.create(campaign);
  return campaign;
}

export async function getCampaign(deps: Deps, scope: OrgScope, id: string, param = 'campaign'): Promise<Campaign> {
  const campaign = await deps.store.campaigns.get(scope, id);
  if (!campaign) throw ApiError.notFound('campaign', param);
  return campaign;
}

export async function createPromoCode(deps: Deps, scope: OrgScope, input: CreatePromoCodeInput): Promise<PromoCode> {
  const [creator, campaign, org] = await Promise.all([
    getCreator(deps, scope, input.creator),
    getCampaign(deps, scope, input.campaign),
    deps.store.orgs.get(scope.orgId),
  ]);
  const taken = () => ApiError.conflict('promo_code_exists', `The code ${input.code} is already in use.`, 'code');
  if (await deps.store.promoCodes.getByCode(scope, input.code)) throw taken();
  const now = deps.now();
  const promoCode: PromoCode = {
    ...scope,
    id: newId('pc'),
    code: input.code,
    creatorId: creator.id,
    campaignId: campaign.id,
    active: true,
    stripePromotionCodeId: null,
    stripeCouponId: campaign.stripeCouponId,
    createdAt: now,
    updatedAt: now,
  };
  const client = org ? deps.stripe.forOrg(org, scope.livemode) : null;
  if (client) {
    Object.assign(promoCode, await createStripePromotionCode(deps, client, scope, campaign, promoCode));
  } else {
    deps.logger.warn({ org: scope.orgId, livemode: scope.livemode, code: input.code }, 'no Stripe key for this mode: promo code created without Stripe ids');
  }
  try {
    await deps.store.promoCodes.create(promoCode);
  } catch (error) {
    // Lost a race for the code: the Stripe promotion code cannot be deleted, so retire it.
    if (client && promoCode.stripePromotionCodeId) {
      await client.stripe.promotionCodes.update(promoCode.stripePromotionCodeId, { active: false }, client.options).catch((cleanupError) => {
        deps.logger.error({ err: cleanupError, promotionCode: promoCode.stripePromotionCodeId }, 'could not retire an orphan Stripe promotion code');
      });
    }
    if (error instanceof DuplicateKeyError) throw taken();
    throw error;
  }
  return promoCode;
}

/**
 * The campaign's coupon (created with its first code and kept on the campaign) and this code's
 * promotion code, on the brand's account. Two first codes racing may each make a coupon; both carry
 * the campaign's terms, and each promotion code keeps the one it was made with.
 */
async function createStripePromotionCode(deps: Deps, client: OrgStripe, scope: OrgScope, campaign: Campaign, promoCode: PromoCode) {
  let couponId = campaign.stripeCouponId;
  if (!couponId) {
    try {
      const coupon = await client.stripe.coupons.create(
        {
          name: campaign.title.slice(0, 40),
          duration: campaign.duration,
          ...(campaign.duration === 'repeating' && { duration_in_months: campaign.durationInMonths ?? 1 }),
          ...(campaign.discountType === 'percent_off'
            ? { percent_off: campaign.discountValue }
            : { amount_off: campaign.discountValue, currency: campaign.currency ?? 'usd' }),
          ...(campaign.endsAt && { redeem_by: Math.floor(campaign.endsAt.getTime() / 1000) }),
          metadata: { shoutout_org_id: scope.orgId, shoutout_campaign_id: campaign.id },
        },
        client.options,
      );
      couponId = coupon.id;
    } catch (error) {
      throw stripeFailure(error, 'create the campaign coupon');
    }
    await deps.store.campaigns.update(scope, campaign.id, { stripeCouponId: couponId });
  }
  try {
    const created = await client.stripe.promotionCodes.create(
      {
        code: promoCode.code,
        promotion: { type: 'coupon', coupon: couponId },
        metadata: {
          shoutout_org_id: scope.orgId,
          shoutout_promo_code_id: promoCode.id,
          shoutout_creator_id: promoCode.creatorId,
          shoutout_campaign_id: promoCode.campaignId,
        },
      },
      client.options,
    );
    return { stripePromotionCodeId: created.id, stripeCouponId: couponId };
  } catch (error) {
    const stripeError = error as { type?: string; code?: string; message?: string };
    if (stripeError.code === 'resource_already_exists' || /already exists/i.test(stripeError.message ?? '')) {
      throw ApiError.conflict('promo_code_exists', `The code ${promoCode.code} already exists on the Stripe account.`, 'code');
    }
    throw stripeFailure(error, 'create the promotion code');
  }
}

export async function getPromoCode(deps: Deps, scope: OrgScope, idOrCode: string): Promise<PromoCode> {
  const promoCode = idOrCode.startsWith('pc_')
    ? await deps.store.promoCodes.get(scope, idOrCode)
    : await deps.store.promoCodes.getByCode(scope, idOrCode);
  if (!promoCode) throw ApiError.notFound('promo code', 'code');
  return promoCode;
}

/**
 * Stripe first: if it refuses, our copy still says what customers can actually redeem. Activating a
 * code made while its mode had no Stripe key creates its coupon and promotion code now, so setting
 * the key and activating the code is how such a code reaches checkout.
 */
export async function setPromoCodeActive(deps: Deps, scope: OrgScope, idOrCode: string, active: boolean): Promise<PromoCode> {
  const promoCode = await getPromoCode(deps, scope, idOrCode);
  // Stripe has something to do only with a code it knows, or one being activated.
  const org = promoCode.stripePromotionCodeId || active ? await deps.store.orgs.get(scope.orgId) : null;
  const client = org ? deps.stripe.forOrg(org, scope.livemode) : null;
  let stripeIds: Pick<PromoCode, 'stripePromotionCodeId' | 'stripeCouponId'> | null = null;
  if (client && promoCode.stripePromotionCodeId) {
    try {
      await client.stripe.promotionCodes.update(promoCode.stripePromotionCodeId, { active }, client.options);
    } catch (error) {
      throw stripeFailure(error, `${active ? 'reactivate' : 'deactivate'} the promotion code`);
    }
  } else if (client && active) {
    stripeIds = await createStripePromotionCode(deps, client, scope, await getCampaign(deps, scope, promoCode.campaignId), promoCode);
  }
  const updated = await deps.store.promoCodes.update(scope, promoCode.id, { active, ...stripeIds }, deps.now(), await listens(deps, scope, 'promo_code.updated'));
  if (!updated) throw ApiError.notFound('promo code', 'code');
  return updated;
}

export function isCampaignRunning(campaign: Campaign, at: Date): boolean {
  return (!campaign.startsAt || campaign.startsAt <= at) && (!campaign.endsAt || campaign.endsAt > at);
}

/**
 * The creator and campaign behind a code, whatever the code's state: a sale made through a code is
 * still credited after the code ends.
 */
export async function resolveReferral(deps: Deps, scope: OrgScope, promoCode: PromoCode | null): Promise<CodeReferral | null> {
  if (!promoCode) return null;
  const [creator, campaign] = await Promise.all([
    deps.store.creators.get(scope, promoCode.creatorId),
    deps.store.campaigns.get(scope, promoCode.campaignId),
  ]);
  return creator && campaign ? { promoCode, creator, campaign } : null;
}

/** The code's referral if the code is active and its campaign is running; null otherwise. */
export async function resolveActiveReferral(deps: Deps, scope: OrgScope, promoCode: PromoCode | null): Promise<CodeReferral | null> {
  if (!promoCode?.active) return null;
  const referral = await resolveReferral(deps, scope, promoCode);
  return referral && isCampaignRunning(referral.campaign, deps.now()) ? referral : null;
}
