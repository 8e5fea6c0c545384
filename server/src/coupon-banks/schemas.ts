import { z } from 'zod';
import { advocateFields, codeRestrictionsSchema, creatorEmail, promoCodeResponse, promoCodeString } from '../catalog/schemas';
import { itemError, listOf, unixTime } from '../http/wire';

export const createCouponBankSchema = z
  .object({
    campaign: z.string().min(1).describe('Campaign id (cmp_…): every code of the bank is a promotion code of its coupon'),
    name: z.string().trim().min(1).max(120),
  })
  .strict();
export type CreateCouponBankInput = z.infer<typeof createCouponBankSchema>;

const bankCode = z.union([promoCodeString, z.object({ code: promoCodeString, restrictions: codeRestrictionsSchema.optional() }).strict()]);

export const uploadCodesSchema = z
  .object({ codes: z.array(bankCode).min(1).max(500).describe('Codes, or {code, restrictions}; at most 500 per request') })
  .strict();
export type UploadCodesInput = z.infer<typeof uploadCodesSchema>;

/** Seed 002 sends ids as `{id}` objects; a plain id is taken too. */
const idRef = z.union([z.string().min(1), z.object({ id: z.union([z.string().min(1), z.number()]).transform(String) }).transform((ref) => ref.id)]);

/** Seed 002's request: the campaign, the advocate as the brand knows them, and a bank to draw from or a code of theirs. */
export const assignReferralCodeSchema = z
  .object({
    campaign: idRef,
    customer: z
      .object({ id: advocateFields.customer_id, first_name: advocateFields.first_name, last_name: advocateFields.last_name, email: creatorEmail.nullable().optional() })
      .strict()
      .refine((customer) => customer.id || customer.email, { message: 'needs an id or an email', path: ['email'] }),
    coupon_bank_id: idRef.optional(),
    coupon_code: promoCodeString.optional(),
  })
  .strict()
  .refine((input) => !input.coupon_bank_id !== !input.coupon_code, {
    message: 'give either coupon_bank_id or coupon_code',
    path: ['coupon_bank_id'],
  });
export type AssignReferralCodeInput = z.infer<typeof assignReferralCodeSchema>;

export const couponBankResponse = z
  .object({
    id: z.string(),
    object: z.literal('coupon_bank'),
    livemode: z.boolean(),
    name: z.string(),
    campaign: z.string(),
    codes: z.number().int().describe('Codes uploaded'),
    remaining: z.number().int().describe('Codes not yet handed out'),
    created: unixTime,
  })
  .meta({ id: 'CouponBank' });
export type CouponBankResponse = z.infer<typeof couponBankResponse>;

export const uploadOutcome = z.union([
  z.object({ code: z.string(), status: z.enum(['created', 'adopted', 'unchanged']), promo_code: z.string() }),
  z.object({ code: z.string(), status: z.literal('failed'), error: itemError }),
]);
export type UploadOutcome = z.infer<typeof uploadOutcome>;

export const uploadCodesResponse = z
  .object({ object: z.literal('coupon_bank_upload'), coupon_bank: couponBankResponse, results: z.array(uploadOutcome) })
  .meta({ id: 'CouponBankUpload' });
export type UploadCodesResponse = z.infer<typeof uploadCodesResponse>;

export const referralCodeResponse = z
  .object({
    object: z.literal('referral_code'),
    referral_code: z.string(),
    coupon_code: z.string(),
    share_url: z.string().nullable().describe("The brand's first domain with its first referral parameter"),
    campaign: z.string(),
    coupon_bank: z.string().nullable(),
    creator: z.string(),
    customer: z.object({ id: z.string().nullable(), first_name: z.string().nullable(), last_name: z.string().nullable(), email: z.string().nullable() }),
    promo_code: promoCodeResponse,
  })
  .meta({ id: 'ReferralCode' });
export type ReferralCodeResponse = z.infer<typeof referralCodeResponse>;

export const couponBankListResponse = listOf(couponBankResponse);
