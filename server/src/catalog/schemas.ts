import { z } from 'zod';
import { currencyCode, unixSeconds } from '../http/validate';
import { listOf, nullableTime, unixTime } from '../http/wire';
import { rewardRuleResponse, rewardRulesSchema } from '../rewards/schemas';

export { currencyCode };

const unixOrIso = z
  .union([unixSeconds, z.iso.datetime({ offset: true }).transform((iso) => new Date(iso))], {
    error: 'must be unix seconds or an ISO 8601 datetime such as 2026-12-01T00:00:00Z',
  })
  .nullable();

export const promoCodeString = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9_-]{3,40}$/, 'must be 3-40 letters, digits, _ or -');

export const creatorEmail = z.email().max(254).toLowerCase();

/** How a brand knows the creator as one of its customers (seed 002's advocate): its own id and the person's names. */
export const advocateFields = {
  customer_id: z.string().trim().min(1).max(100).nullable().optional().describe("The brand's own id for this person"),
  first_name: z.string().trim().min(1).max(60).nullable().optional(),
  last_name: z.string().trim().min(1).max(60).nullable().optional(),
};

const positiveInt = z.number().int().min(1);

/**
 * The limits Stripe can put on a promotion code. Set on a campaign they apply to each of its codes;
 * set on a code they replace the campaign's, field by field. Stripe takes them when the promotion
 * code is created and cannot change them afterwards.
 */
export const codeRestrictionsSchema = z
  .object({
    first_time_transaction: z.boolean().optional().describe("Only customers who have never paid on the brand's account"),
    max_redemptions: positiveInt.nullable().optional(),
    expires_at: unixOrIso.optional(),
    minimum_amount: positiveInt.nullable().optional().describe('In minor units of minimum_amount_currency'),
    minimum_amount_currency: currencyCode.nullable().optional(),
  })
  .strict()
  .superRefine((restrictions, ctx) => {
    if (!restrictions.minimum_amount !== !restrictions.minimum_amount_currency) {
      const missing = restrictions.minimum_amount ? 'minimum_amount_currency' : 'minimum_amount';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'minimum_amount and minimum_amount_currency go together' });
    }
  });
export type CodeRestrictionsInput = z.infer<typeof codeRestrictionsSchema>;

export const createCreatorSchema = z
  .object({
    handle: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9_.-]{1,40}$/, 'must be 1-40 letters, digits, _, . or -'),
    name: z.string().trim().min(1).max(120).optional(),
    avatar_url: z.url({ protocol: /^https?$/ }).max(2048).nullable().optional(),
    email: creatorEmail.nullable().optional(),
    stripe_customer_id: z.string().regex(/^cus_[A-Za-z0-9]+$/, 'must be a Stripe customer id (cus_…)').nullable().optional(),
    ...advocateFields,
  })
  .strict();
export type CreateCreatorInput = z.infer<typeof createCreatorSchema>;

export const listCreatorsQuery = z.object({
  customer_id: advocateFields.customer_id.unwrap().unwrap().optional(),
  email: creatorEmail.optional(),
});

const commissionSchema = z
  .object({
    type: z.enum(['percent', 'fixed']),
    value: z.number().min(0),
    currency: currencyCode.nullable().optional(),
    recurring_months: z.number().int().min(1).max(120).nullable().optional(),
  })
  .strict()
  .refine((commission) => commission.type === 'fixed' || commission.value <= 100, {
    message: 'a percent commission must be at most 100',
    path: ['value'],
  })
  .refine((commission) => commission.type === 'percent' || Number.isInteger(commission.value), {
    message: 'a fixed commission is an integer amount in minor units (cents)',
    path: ['value'],
  });

export const createCampaignSchema = z
  .object({
    title: z.string().trim().min(1).max(120),
    discount_type: z.enum(['percent_off', 'amount_off']),
    discount_value: z.number().positive(),
    currency: currencyCode.nullable().optional(),
    duration: z.enum(['once', 'repeating', 'forever']).default('once'),
    duration_in_months: z.number().int().min(1).max(120).nullable().optional(),
    starts_at: unixOrIso.optional(),
    ends_at: unixOrIso.optional(),
    commission: commissionSchema.optional(),
    code_restrictions: codeRestrictionsSchema.nullable().optional(),
    rewards: rewardRulesSchema.optional().describe('Points or fixed amounts for the advocate and/or the friend, on signup or purchases'),
  })
  .strict()
  .superRefine((campaign, ctx) => {
    if (campaign.discount_type === 'percent_off' && campaign.discount_value > 100) {
      ctx.addIssue({ code: 'custom', path: ['discount_value'], message: 'a percent_off discount must be at most 100' });
    }
    if (campaign.discount_type === 'amount_off') {
      if (!Number.isInteger(campaign.discount_value)) {
        ctx.addIssue({ code: 'custom', path: ['discount_value'], message: 'amount_off is an integer in minor units (cents)' });
      }
      if (!campaign.currency) {
        ctx.addIssue({ code: 'custom', path: ['currency'], message: 'currency is required with amount_off' });
      }
    }
    // Sales come in any currency: an amount per conversion has to say which it is in.
    if (campaign.commission?.type === 'fixed' && !campaign.commission.currency && !campaign.currency) {
      ctx.addIssue({ code: 'custom', path: ['commission', 'currency'], message: 'required with a fixed commission when the campaign has no currency' });
    }
    if (campaign.duration === 'repeating' && !campaign.duration_in_months) {
      ctx.addIssue({ code: 'custom', path: ['duration_in_months'], message: 'required when duration is repeating' });
    }
    if (campaign.starts_at && campaign.ends_at && campaign.ends_at <= campaign.starts_at) {
      ctx.addIssue({ code: 'custom', path: ['ends_at'], message: 'must be after starts_at' });
    }
  });
export type CreateCampaignInput = z.infer<typeof createCampaignSchema>;

export const stripePromotionCodeId = z.string().regex(/^promo_[A-Za-z0-9]+$/, 'must be a Stripe promotion code id (promo_…)');

export const createPromoCodeSchema = z
  .object({
    code: promoCodeString.optional().describe('The code to create on Stripe, or to adopt if it is already there'),
    stripe_promotion_code_id: stripePromotionCodeId.optional().describe('An existing Stripe promotion code to adopt, instead of code'),
    creator: z.string().min(1).describe('Creator id (cr_…) or handle'),
    campaign: z.string().min(1).describe('Campaign id (cmp_…)'),
    restrictions: codeRestrictionsSchema.optional(),
  })
  .strict()
  .refine((input) => !input.code !== !input.stripe_promotion_code_id, {
    message: 'give either code or stripe_promotion_code_id',
    path: ['code'],
  });
export type CreatePromoCodeInput = z.infer<typeof createPromoCodeSchema>;

export const updatePromoCodeSchema = z.object({ active: z.boolean() }).strict();

export const listPromoCodesQuery = z.object({
  creator: z.string().optional(),
  campaign: z.string().optional(),
});

/** How the brand knows a creator as one of its customers; on the brand's backend answers only. */
const advocateResponse = {
  customer_id: z.string().nullable().describe("The brand's own id for the creator, if it gave one"),
  first_name: z.string().nullable(),
  last_name: z.string().nullable(),
};

export const creatorResponse = z
  .object({
    id: z.string(),
    object: z.literal('creator'),
    livemode: z.boolean(),
    handle: z.string(),
    name: z.string(),
    avatar_url: z.string().nullable(),
    email: z.string().nullable(),
    stripe_customer_id: z.string().nullable().describe("The creator's own customer on the brand's Stripe account, to flag self-referrals"),
    ...advocateResponse,
    created: unixTime,
  })
  .meta({ id: 'Creator' });
export type CreatorResponse = z.infer<typeof creatorResponse>;
export type AdvocateResponse = Pick<CreatorResponse, keyof typeof advocateResponse>;

export const restrictionsResponse = z
  .object({
    first_time_transaction: z.boolean(),
    max_redemptions: z.number().int().nullable(),
    expires_at: nullableTime,
    minimum_amount: z.number().int().nullable(),
    minimum_amount_currency: z.string().nullable(),
  })
  .nullable()
  .meta({ id: 'CodeRestrictions' });
export type RestrictionsResponse = z.infer<typeof restrictionsResponse>;

export const campaignResponse = z
  .object({
    id: z.string(),
    object: z.literal('campaign'),
    livemode: z.boolean(),
    title: z.string(),
    discount_type: z.enum(['percent_off', 'amount_off']),
    discount_value: z.number().describe('Percent for percent_off; minor units of `currency` for amount_off'),
    currency: z.string().nullable(),
    duration: z.enum(['once', 'repeating', 'forever']),
    duration_in_months: z.number().int().nullable(),
    starts_at: nullableTime,
    ends_at: nullableTime,
    commission: z.object({
      type: z.enum(['percent', 'fixed']),
      value: z.number(),
      currency: z.string().nullable(),
      recurring_months: z.number().int().nullable().describe('Months of renewals that earn commission; null: every renewal'),
    }),
    rewards: z.array(rewardRuleResponse),
    stripe_coupon_id: z.string().nullable(),
    code_restrictions: restrictionsResponse,
    created: unixTime,
  })
  .meta({ id: 'Campaign' });
export type CampaignResponse = z.infer<typeof campaignResponse>;

export const promoCodeResponse = z
  .object({
    id: z.string(),
    object: z.literal('promo_code'),
    livemode: z.boolean(),
    code: z.string(),
    creator: z.string().nullable().describe('null while the code waits in a coupon bank'),
    campaign: z.string(),
    active: z.boolean(),
    stripe_promotion_code_id: z.string().nullable(),
    stripe_coupon_id: z.string().nullable(),
    adopted: z.boolean().describe('The brand made the Stripe promotion code; Shoutout adopted it'),
    restrictions: restrictionsResponse,
    coupon_bank: z.string().nullable(),
    assigned: nullableTime,
    created: unixTime,
  })
  .meta({ id: 'PromoCode' });
export type PromoCodeResponse = z.infer<typeof promoCodeResponse>;

/** The discount behind a code: what checkout applies and page code may show. */
export const discountResponse = z
  .object({
    promotion_code: z.string().describe('The code as customers type it, e.g. ANNIE50'),
    stripe_promotion_code_id: z.string().nullable().describe('Pass as `discounts: [{promotion_code}]` to Checkout; null if made without a Stripe key'),
    stripe_coupon_id: z.string().nullable().describe('Or pass as `discounts: [{coupon}]` to apply it silently'),
    discount_type: z.enum(['percent_off', 'amount_off']),
    discount_value: z.number(),
    currency: z.string().nullable(),
    campaign_id: z.string(),
  })
  .meta({ id: 'Discount' });
export type DiscountResponse = z.infer<typeof discountResponse>;

/** The creator behind a code as visitors may see them. */
export const publicCreatorResponse = z.object({ id: z.string(), handle: z.string(), avatar_url: z.string().nullable() });

export const referralResponse = z.object({
  creator: publicCreatorResponse,
  campaign: z.object({ id: z.string(), title: z.string() }),
  discount: discountResponse,
});
export type ReferralResponse = z.infer<typeof referralResponse>;

/** Lookup's referral: also who the creator is among the brand's customers. */
export const lookupReferralResponse = referralResponse.extend({ creator: publicCreatorResponse.extend({ name: z.string(), ...advocateResponse }) });
export type LookupReferralResponse = z.infer<typeof lookupReferralResponse>;

export const creatorListResponse = listOf(creatorResponse);
export const campaignListResponse = listOf(campaignResponse);
export const promoCodeListResponse = listOf(promoCodeResponse);
