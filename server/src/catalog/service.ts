import { newId } from '../crypto';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { OrgScope } from '../orgs/repo';
import { rewardRulesOf } from '../rewards/service';
import { DuplicateKeyError } from '../store/driver';
import { type OrgStripe, stripeFailure } from '../stripe/client';
import type Stripe from 'stripe';
import type { Campaign, CodeRestrictions, Creator, PromoCode } from './repo';
import type { CodeRestrictionsInput, CreateCampaignInput, CreateCreatorInput, CreatePromoCodeInput } from './schemas';
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
    name: input.name ?? ([input.first_name, input.last_name].filter(Boolean).join(' ') || input.handle),
    avatarUrl: input.avatar_url ?? null,
    email: input.email ?? null,
    stripeCustomerId: input.stripe_customer_id ?? null,
    customerId: input.customer_id ?? null,
    firstName: input.first_name ?? null,
    lastName: input.last_name ?? null,
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
    rewards: rewardRulesOf(input.rewards),
    stripeCouponId: null,
    codeRestrictions: mergeRestrictions(null, input.code_restrictions ?? undefined),
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
  const [creator, campaign] = await Promise.all([getCreator(deps, scope, input.creator), getCampaign(deps, scope, input.campaign)]);
  return placeCode(deps, scope, {
    code: input.code,
    stripePromotionCodeId: input.stripe_promotion_code_id,
    creatorId: creator.id,
    campaign,
    restrictions: input.restrictions,
  });
}

/** A code to put on Stripe and store: the code itself, or an existing Stripe promotion code to adopt. */
export interface NewCode {
  code?: string;
  stripePromotionCodeId?: string;
  /** Null for a code that goes into a coupon bank unassigned. */
  creatorId: string | null;
  campaign: Campaign;
  bankId?: string | null;
  restrictions?: CodeRestrictionsInput;
}

const codeTaken = (code: string) => ApiError.conflict('promo_code_exists', `The code ${code} is already in use.`, 'code');

/**
 * Creates the code's Stripe promotion code, or adopts the one the brand already has with that code
 * (or id), then stores the code. Stripe is asked first, so a code it refuses is not stored.
 */
export async function placeCode(deps: Deps, scope: OrgScope, input: NewCode): Promise<PromoCode> {
  const org = await deps.store.orgs.get(scope.orgId);
  const client = org ? deps.stripe.forOrg(org, scope.livemode) : null;
  const restrictions = mergeRestrictions(input.campaign.codeRestrictions ?? null, input.restrictions);
  let existing: Stripe.PromotionCode | null = null;
  if (input.stripePromotionCodeId) {
    if (!client) throw ApiError.invalid('stripe_not_configured', 'Adopting a Stripe promotion code needs a Stripe key for this mode.', 'stripe_promotion_code_id');
    existing = await retrievePromotionCode(client, input.stripePromotionCodeId);
  }
  const code = existing?.code.toUpperCase() ?? input.code!;
  if (await deps.store.promoCodes.getByCode(scope, code)) throw codeTaken(code);
  const now = deps.now();
  const promoCode: PromoCode = {
    ...scope,
    id: newId('pc'),
    code,
    creatorId: input.creatorId,
    campaignId: input.campaign.id,
    active: true,
    stripePromotionCodeId: null,
    stripeCouponId: input.campaign.stripeCouponId,
    bankId: input.bankId ?? null,
    assignedAt: input.bankId && input.creatorId ? now : null,
    adopted: false,
    restrictions,
    createdAt: now,
    updatedAt: now,
  };
  if (!client) {
    deps.logger.warn({ org: scope.orgId, livemode: scope.livemode, code }, 'no Stripe key for this mode: promo code created without Stripe ids');
  } else {
    // A campaign without a coupon yet may take the one of a code the brand already has.
    existing ??= input.campaign.stripeCouponId ? null : await findActivePromotionCode(client, code);
    Object.assign(
      promoCode,
      existing
        ? await adoptPromotionCode(deps, client, scope, input.campaign, existing, restrictions)
        : await createStripePromotionCode(deps, client, scope, input.campaign, promoCode),
    );
  }
  try {
    await deps.store.promoCodes.create(promoCode);
  } catch (error) {
    // Lost a race for the code: a Stripe promotion code made here cannot be deleted, so retire it.
    if (client && promoCode.stripePromotionCodeId && !promoCode.adopted) {
      await client.stripe.promotionCodes.update(promoCode.stripePromotionCodeId, { active: false }, client.options).catch((cleanupError) => {
        deps.logger.error({ err: cleanupError, promotionCode: promoCode.stripePromotionCodeId }, 'could not retire an orphan Stripe promotion code');
      });
    }
    if (error instanceof DuplicateKeyError) throw codeTaken(code);
    throw error;
  }
  if (client && promoCode.adopted) {
    // Only a label on the brand's own code, so that its Dashboard says who has it; nothing depends on it.
    await client.stripe.promotionCodes
      .update(promoCode.stripePromotionCodeId!, { metadata: stripeMetadata(promoCode) }, client.options)
      .catch((error) => deps.logger.warn({ err: error, promotionCode: promoCode.stripePromotionCodeId }, 'could not label an adopted promotion code'));
  }
  return promoCode;
}

const stripeMetadata = (promoCode: PromoCode) => ({
  shoutout_org_id: promoCode.orgId,
  shoutout_promo_code_id: promoCode.id,
  shoutout_campaign_id: promoCode.campaignId,
  ...(promoCode.creatorId && { shoutout_creator_id: promoCode.creatorId }),
  ...(promoCode.bankId && { shoutout_coupon_bank_id: promoCode.bankId }),
});

/** The campaign's restrictions, with the code's own in their place wherever it sets one; null when none are left. */
export function mergeRestrictions(base: CodeRestrictions | null, own: CodeRestrictionsInput | undefined): CodeRestrictions | null {
  const pick = <K extends keyof CodeRestrictionsInput>(key: K) => (own && own[key] !== undefined ? own[key] : undefined);
  const minimumAmount = pick('minimum_amount');
  const merged: CodeRestrictions = {
    firstTimeTransaction: pick('first_time_transaction') ?? base?.firstTimeTransaction ?? false,
    maxRedemptions: pick('max_redemptions') !== undefined ? (pick('max_redemptions') ?? null) : (base?.maxRedemptions ?? null),
    expiresAt: pick('expires_at') !== undefined ? (pick('expires_at') ?? null) : (base?.expiresAt ?? null),
    // The amount and its currency go together, whichever level sets them.
    minimumAmount: minimumAmount !== undefined ? (minimumAmount ?? null) : (base?.minimumAmount ?? null),
    minimumAmountCurrency: minimumAmount !== undefined ? (pick('minimum_amount_currency') ?? null) : (base?.minimumAmountCurrency ?? null),
  };
  const none = !merged.firstTimeTransaction && !merged.maxRedemptions && !merged.expiresAt && !merged.minimumAmount;
  return none ? null : merged;
}

/** How Stripe takes restrictions when a promotion code is created (they cannot be changed later). */
function stripeRestrictionParams(restrictions: CodeRestrictions | null): Partial<Stripe.PromotionCodeCreateParams> {
  if (!restrictions) return {};
  const { firstTimeTransaction, maxRedemptions, expiresAt, minimumAmount, minimumAmountCurrency } = restrictions;
  return {
    ...(maxRedemptions && { max_redemptions: maxRedemptions }),
    ...(expiresAt && { expires_at: Math.floor(expiresAt.getTime() / 1000) }),
    ...((firstTimeTransaction || minimumAmount) && {
      restrictions: {
        ...(firstTimeTransaction && { first_time_transaction: true }),
        ...(minimumAmount && { minimum_amount: minimumAmount, minimum_amount_currency: minimumAmountCurrency! }),
      },
    }),
  };
}

/** The restrictions a Stripe promotion code carries, as Shoutout records them. */
function restrictionsOf(promotionCode: Stripe.PromotionCode): CodeRestrictions | null {
  const { restrictions } = promotionCode;
  return mergeRestrictions(null, {
    first_time_transaction: restrictions.first_time_transaction,
    max_redemptions: promotionCode.max_redemptions,
    expires_at: promotionCode.expires_at ? new Date(promotionCode.expires_at * 1000) : null,
    minimum_amount: restrictions.minimum_amount,
    minimum_amount_currency: restrictions.minimum_amount_currency,
  });
}

/** What a code's Stripe promotion code settles about it. */
type StripeSide = Pick<PromoCode, 'stripePromotionCodeId' | 'stripeCouponId'> & Partial<Pick<PromoCode, 'adopted' | 'active' | 'restrictions'>>;

const RESTRICTION_FIELDS = {
  firstTimeTransaction: 'first_time_transaction',
  maxRedemptions: 'max_redemptions',
  expiresAt: 'expires_at',
  minimumAmount: 'minimum_amount',
  minimumAmountCurrency: 'minimum_amount_currency',
} as const;

/** The first restriction on which two sets differ, by its API name, or null when they agree. */
function restrictionDifference(a: CodeRestrictions | null, b: CodeRestrictions | null): string | null {
  for (const [field, name] of Object.entries(RESTRICTION_FIELDS) as [keyof CodeRestrictions, string][]) {
    const left = a?.[field] ?? null;
    const right = b?.[field] ?? null;
    const same = left instanceof Date && right instanceof Date ? left.getTime() === right.getTime() : (left || null) === (right || null);
    if (!same) return name;
  }
  return null;
}

async function retrievePromotionCode(client: OrgStripe, id: string): Promise<Stripe.PromotionCode> {
  try {
    return await client.stripe.promotionCodes.retrieve(id, {}, client.options);
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) throw ApiError.notFound('Stripe promotion code', 'stripe_promotion_code_id');
    throw stripeFailure(error, 'retrieve the promotion code');
  }
}

/** The brand's active Stripe promotion code with this code, if it has one (Stripe allows one active code per string). */
async function findActivePromotionCode(client: OrgStripe, code: string): Promise<Stripe.PromotionCode | null> {
  try {
    const { data } = await client.stripe.promotionCodes.list({ code, active: true, limit: 1 }, client.options);
    return data[0] ?? null;
  } catch (error) {
    throw stripeFailure(error, 'look up the promotion code');
  }
}

async function retrieveCoupon(client: OrgStripe, id: string): Promise<Stripe.Coupon> {
  try {
    return await client.stripe.coupons.retrieve(id, {}, client.options);
  } catch (error) {
    throw stripeFailure(error, 'retrieve the coupon');
  }
}

const couponIdOf = (promotionCode: Stripe.PromotionCode) => {
  const { coupon } = promotionCode.promotion;
  return typeof coupon === 'string' ? coupon : (coupon?.id ?? null);
};

/** Whether a coupon gives exactly the campaign's discount, so the campaign can take it as its own. */
function couponFitsCampaign(coupon: Stripe.Coupon, campaign: Campaign): boolean {
  const discount =
    campaign.discountType === 'percent_off'
      ? coupon.percent_off === campaign.discountValue
      : coupon.amount_off === campaign.discountValue && coupon.currency === campaign.currency;
  return discount && coupon.duration === campaign.duration && (coupon.duration_in_months ?? null) === campaign.durationInMonths;
}

/**
 * Takes over the brand's own promotion code: it must be of the campaign's coupon (a campaign without
 * one yet takes the code's coupon if it gives the campaign's discount), and carry the restrictions
 * asked for, since Stripe cannot change them on an existing code.
 */
async function adoptPromotionCode(
  deps: Deps,
  client: OrgStripe,
  scope: OrgScope,
  campaign: Campaign,
  existing: Stripe.PromotionCode,
  restrictions: CodeRestrictions | null,
): Promise<StripeSide> {
  const couponId = couponIdOf(existing);
  const otherCoupon = () =>
    ApiError.conflict(
      'promo_code_other_coupon',
      `The code ${existing.code} already exists on Stripe as a promotion code of coupon ${couponId}, not of this campaign's coupon${campaign.stripeCouponId ? ` ${campaign.stripeCouponId}` : ''}.`,
      'code',
    );
  if (!couponId) throw otherCoupon();
  if (campaign.stripeCouponId !== couponId) {
    if (campaign.stripeCouponId || !couponFitsCampaign(await retrieveCoupon(client, couponId), campaign)) throw otherCoupon();
    await deps.store.campaigns.update(scope, campaign.id, { stripeCouponId: couponId });
  }
  const stripeRestrictions = restrictionsOf(existing);
  const differing = restrictions && restrictionDifference(restrictions, stripeRestrictions);
  if (differing) {
    throw ApiError.conflict(
      'promo_code_restrictions_differ',
      `The code ${existing.code} already exists on Stripe with another ${differing}, and Stripe cannot change a promotion code's restrictions.`,
      `restrictions.${differing}`,
    );
  }
  return { stripePromotionCodeId: existing.id, stripeCouponId: couponId, adopted: true, active: existing.active, restrictions: stripeRestrictions };
}

/**
 * The campaign's coupon (created with its first code and kept on the campaign) and this code's
 * promotion code, on the brand's account. Two first codes racing may each make a coupon; both carry
 * the campaign's terms, and each promotion code keeps the one it was made with. A code the brand
 * already has on Stripe is adopted instead.
 */
async function createStripePromotionCode(
  deps: Deps,
  client: OrgStripe,
  scope: OrgScope,
  campaign: Campaign,
  promoCode: PromoCode,
): Promise<StripeSide> {
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
        metadata: stripeMetadata(promoCode),
        ...stripeRestrictionParams(promoCode.restrictions ?? null),
      },
      client.options,
    );
    return { stripePromotionCodeId: created.id, stripeCouponId: couponId };
  } catch (error) {
    const stripeError = error as { code?: string; message?: string; param?: string; type?: string };
    if (stripeError.code === 'resource_already_exists' || /already exists/i.test(stripeError.message ?? '')) {
      const existing = await findActivePromotionCode(client, promoCode.code);
      if (existing) return adoptPromotionCode(deps, client, scope, { ...campaign, stripeCouponId: couponId }, existing, promoCode.restrictions ?? null);
      throw ApiError.conflict('promo_code_exists', `The code ${promoCode.code} already exists on the Stripe account.`, 'code');
    }
    const restriction = /^(?:restrictions\[)?(\w+)\]?$/.exec(stripeError.param ?? '')?.[1];
    if (stripeError.type === 'StripeInvalidRequestError' && restriction && Object.values(RESTRICTION_FIELDS).includes(restriction as never)) {
      // Stripe judged the restrictions (an expiry in the past, say): name the field as the API takes it.
      throw ApiError.invalid('stripe_invalid_request', `Stripe refused the promotion code ${promoCode.code}: ${stripeError.message}`, `restrictions.${restriction}`);
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
  let stripeIds: StripeSide | null = null;
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
  // A code still waiting in a coupon bank credits no one.
  if (!promoCode?.creatorId) return null;
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
