import { z } from 'zod';
import { API_KEY_SCOPES } from './repo';
import { nullableTime, unixTime } from '../http/wire';

const hostname = z
  .string()
  .trim()
  .toLowerCase()
  .transform((value) => value.replace(/^https?:\/\//, '').replace(/\/.*$/, ''))
  .pipe(z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'must be a hostname such as brand.com'));

const queryParam = z.string().trim().regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, _ or -');

export const orgSettingsSchema = z.object({
  name: z.string().trim().min(1).max(120),
  domains: z.array(hostname).max(50),
  attribution_window_days: z.number().int().min(1).max(365),
  referral_params: z.array(queryParam).min(1).max(10),
  attribution_model: z.enum(['last_click', 'first_click']),
  code_beats_link: z.boolean(),
  respect_global_privacy_control: z.boolean(),
  clean_url: z.boolean(),
  payout_hold_days: z.number().int().min(0).max(365),
  trust_browser_reports: z.boolean(),
  brand_color: z.string().trim().toLowerCase().regex(/^#[0-9a-f]{6}$/, 'must be a colour such as #4f46e5').describe('The creator portal’s accent colour'),
  email_first_conversion: z.boolean().describe('Email a creator on their first conversion'),
  email_payout_recorded: z.boolean().describe('Email a creator when a payout to them is recorded'),
});
export type OrgSettings = z.infer<typeof orgSettingsSchema>;

export const createOrgSchema = orgSettingsSchema.partial().extend({ name: orgSettingsSchema.shape.name });
export type CreateOrgInput = z.infer<typeof createOrgSchema>;

export const updateOrgSchema = orgSettingsSchema.partial().strict();
export type UpdateOrgInput = z.infer<typeof updateOrgSchema>;

export const createApiKeySchema = z
  .object({
    name: z.string().trim().min(1).max(80).default('API key'),
    scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).default(['referrals']),
    // Live unless stated; through the API, only the calling key's own mode.
    livemode: z.boolean().optional(),
  })
  .strict();
export type CreateApiKeyInput = z.input<typeof createApiKeySchema>;

/** The org and its settings, as `GET /api/org` and the Stripe App's settings show it. */
export const orgResponse = z
  .object({
    id: z.string(),
    object: z.literal('org'),
    name: z.string(),
    domains: z.array(z.string()),
    attribution_window_days: z.number().int(),
    referral_params: z.array(z.string()),
    attribution_model: z.enum(['last_click', 'first_click']),
    code_beats_link: z.boolean(),
    respect_global_privacy_control: z.boolean(),
    clean_url: z.boolean(),
    payout_hold_days: z.number().int(),
    trust_browser_reports: z.boolean(),
    brand_color: z.string(),
    email_first_conversion: z.boolean(),
    email_payout_recorded: z.boolean(),
    stripe_account_id: z.string().nullable().describe('Set when the org came from a Stripe App install'),
    created: unixTime,
  })
  .meta({ id: 'Org' });
export type OrgResponse = z.infer<typeof orgResponse>;

export const apiKeyResponse = z
  .object({
    id: z.string(),
    object: z.literal('api_key'),
    name: z.string(),
    livemode: z.boolean(),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    redacted: z.string().describe('`so_live_…wxyz`, enough to recognise the key'),
    secret: z.string().optional().describe('The key itself, in the answer to its creation only'),
    created: unixTime,
    last_used: nullableTime,
    revoked: nullableTime,
  })
  .meta({ id: 'ApiKey' });
export type ApiKeyResponse = z.infer<typeof apiKeyResponse>;
