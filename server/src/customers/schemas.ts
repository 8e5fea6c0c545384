import { z } from 'zod';
import { lookupReferralResponse } from '../catalog/schemas';

const externalId = z
  .string()
  .min(1, 'must not be empty')
  .max(256, 'must be at most 256 characters');

export const identifySchema = z.object({
  externalId: externalId.describe('Anything stable about the user: an id, email or UUID. Hashed on receipt.'),
  ref: z
    .string()
    .min(1, 'must not be empty')
    .max(2048, 'must be at most 2048 characters')
    .describe('The raw value of the shoutout_ref cookie the pixel set.'),
});
export type IdentifyInput = z.infer<typeof identifySchema>;

export const lookupSchema = z.object({ externalId: externalId.describe('The externalId you passed to identify.') });

/** Seed 000's lookup answer: the referral, or `data: null`. */
export const lookupResponse = z
  .object({
    data: lookupReferralResponse.nullable().describe('null when the user has no binding, or its code is inactive or its campaign not running'),
  })
  .meta({ id: 'Lookup' });
export type LookupResponse = z.infer<typeof lookupResponse>;
