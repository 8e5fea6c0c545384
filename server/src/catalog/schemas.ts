import { z } from 'zod';
import { currencyCode, unixSeconds } from '../http/validate';
import { rewardRulesSchema } from '../rewards/schemas';

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

export const createCreatorSchema = z
  .object({
    handle: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z0-9_.-]{1,40}$/, 'must be 1-40 letters, digits, _, . or -'),
    name: z.string().trim().min(1).max(120).optional(),
    avatar_url: z.url({ protocol: /^https?$/ }).max(2048).nullable().optional(),
    email: z.email().max(254).toLowerCase().nullable().optional(),
    stripe_customer_id: z.string().regex(/^cus_[A-Za-z0-9]+$/, 'must be a Stripe customer id (cus_…)').nullable().optional(),
  })
  .strict();
export type CreateCreatorInput = z.infer<typeof createCreatorSchema>;

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

export const createPromoCodeSchema = z
  .object({
    code: promoCodeString,
    creator: z.string().min(1).describe('Creator id (cr_…) or handle'),
    campaign: z.string().min(1).describe('Campaign id (cmp_…)'),
  })
  .strict();
export type CreatePromoCodeInput = z.infer<typeof createPromoCodeSchema>;

export const updatePromoCodeSchema = z.object({ active: z.boolean() }).strict();

export const listPromoCodesQuery = z.object({
  creator: z.string().optional(),
  campaign: z.string().optional(),
});
