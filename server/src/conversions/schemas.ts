import { z } from 'zod';
import { promoCodeString } from '../catalog/schemas';

export const createConversionSchema = z
  .object({
    order_id: z.string().trim().min(1).max(200),
    amount: z.number().int().min(0).describe('Amount paid, in minor units (cents)'),
    currency: z
      .string()
      .trim()
      .toLowerCase()
      .regex(/^[a-z]{3}$/, 'must be a three-letter ISO currency code such as usd'),
    discount: z.number().int().min(0).optional(),
    email: z.email().max(254).optional().describe('The buyer’s email, to flag self-referrals'),
    coupon_code: promoCodeString.optional(),
    externalId: z.string().min(1).max(256).optional(),
    ref: z.string().min(1).max(2048).optional(),
  })
  .strict()
  .refine((input) => input.coupon_code || input.externalId || input.ref, {
    message: 'one of coupon_code, externalId or ref is required',
    path: ['coupon_code'],
  });
export type CreateConversionInput = z.infer<typeof createConversionSchema>;
