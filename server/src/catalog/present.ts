import { toUnixSeconds } from '../http/validate';
import { presentRewardRule } from '../rewards/present';
import type { Campaign, CodeRestrictions, Creator, PromoCode } from './repo';
import type {
  AdvocateResponse,
  CampaignResponse,
  CreatorResponse,
  DiscountResponse,
  LookupReferralResponse,
  PromoCodeResponse,
  ReferralResponse,
  RestrictionsResponse,
} from './schemas';
import type { CodeReferral } from './service';

export function presentCreator(creator: Creator): CreatorResponse {
  return {
    id: creator.id,
    object: 'creator',
    livemode: creator.livemode,
    handle: creator.handle,
    name: creator.name,
    avatar_url: creator.avatarUrl,
    email: creator.email,
    stripe_customer_id: creator.stripeCustomerId ?? null,
    ...presentAdvocate(creator),
    created: toUnixSeconds(creator.createdAt),
  };
}

/**
 * How the brand knows a creator as one of its own customers. The brand's backend gets this (lookup,
 * admin routes); what the pixel shows visitors does not carry it.
 */
export function presentAdvocate(creator: Creator): AdvocateResponse {
  return { customer_id: creator.customerId ?? null, first_name: creator.firstName ?? null, last_name: creator.lastName ?? null };
}

export function presentRestrictions(restrictions: CodeRestrictions | null | undefined): RestrictionsResponse {
  if (!restrictions) return null;
  return {
    first_time_transaction: restrictions.firstTimeTransaction,
    max_redemptions: restrictions.maxRedemptions,
    expires_at: toUnixSeconds(restrictions.expiresAt),
    minimum_amount: restrictions.minimumAmount,
    minimum_amount_currency: restrictions.minimumAmountCurrency,
  };
}

export function presentCampaign(campaign: Campaign): CampaignResponse {
  return {
    id: campaign.id,
    object: 'campaign',
    livemode: campaign.livemode,
    title: campaign.title,
    discount_type: campaign.discountType,
    discount_value: campaign.discountValue,
    currency: campaign.currency,
    duration: campaign.duration,
    duration_in_months: campaign.durationInMonths,
    starts_at: toUnixSeconds(campaign.startsAt),
    ends_at: toUnixSeconds(campaign.endsAt),
    commission: {
      type: campaign.commission.type,
      value: campaign.commission.value,
      currency: campaign.commission.currency,
      recurring_months: campaign.commission.recurringMonths,
    },
    rewards: (campaign.rewards ?? []).map(presentRewardRule),
    stripe_coupon_id: campaign.stripeCouponId,
    code_restrictions: presentRestrictions(campaign.codeRestrictions),
    created: toUnixSeconds(campaign.createdAt),
  };
}

export function presentPromoCode(promoCode: PromoCode): PromoCodeResponse {
  return {
    id: promoCode.id,
    object: 'promo_code',
    livemode: promoCode.livemode,
    code: promoCode.code,
    creator: promoCode.creatorId,
    campaign: promoCode.campaignId,
    active: promoCode.active,
    stripe_promotion_code_id: promoCode.stripePromotionCodeId,
    stripe_coupon_id: promoCode.stripeCouponId,
    adopted: promoCode.adopted ?? false,
    restrictions: presentRestrictions(promoCode.restrictions),
    coupon_bank: promoCode.bankId ?? null,
    assigned: toUnixSeconds(promoCode.assignedAt),
    created: toUnixSeconds(promoCode.createdAt),
  };
}

/** The discount block of seed 000's lookup response; also what the pixel exposes to page code. */
export function presentDiscount({ promoCode, campaign }: Pick<CodeReferral, 'promoCode' | 'campaign'>): DiscountResponse {
  return {
    promotion_code: promoCode.code,
    stripe_promotion_code_id: promoCode.stripePromotionCodeId,
    stripe_coupon_id: promoCode.stripeCouponId ?? campaign.stripeCouponId,
    discount_type: campaign.discountType,
    discount_value: campaign.discountValue,
    currency: campaign.currency,
    campaign_id: campaign.id,
  };
}

/** The creator and discount behind a code, as visitors may see them (the pixel, code validation). */
export function presentReferral(referral: CodeReferral): ReferralResponse {
  return {
    creator: { id: referral.creator.id, handle: referral.creator.handle, avatar_url: referral.creator.avatarUrl },
    campaign: { id: referral.campaign.id, title: referral.campaign.title },
    discount: presentDiscount(referral),
  };
}

/**
 * Lookup's answer to the brand's backend: the referral, and who the creator is among the brand's
 * customers. Not their email: checkout needs to name who referred the buyer, not to reach them.
 */
export function presentLookup(referral: CodeReferral): LookupReferralResponse {
  const presented = presentReferral(referral);
  return { ...presented, creator: { ...presented.creator, name: referral.creator.name, ...presentAdvocate(referral.creator) } };
}
