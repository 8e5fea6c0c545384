import { z } from 'zod';
import { discountResponse, publicCreatorResponse } from '../catalog/schemas';

/** An org id as the tracking routes read it (trimmed), and as their per-org rate limit counts it. */
export const orgId = z.string().trim().min(1).max(64);
export const code = z.string().trim().min(1, 'must not be empty').max(64, 'must be at most 64 characters');
export const pageUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).max(2048, 'must be at most 2048 characters');
// document.referrer is '' when there is none.
const referrer = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .optional()
  .transform((value) => value || null);
export const existingRef = z.string().max(2048).optional();

/** What the pixel posts (as text/plain, so the browser sends no CORS preflight). */
export const browserClickSchema = z.object({
  org: orgId,
  code,
  pageUrl,
  referrer,
  /** true once the page called Shoutout.consent(true); absent when the page asks for no consent. */
  consent: z.boolean().optional(),
  /** The browser's Global Privacy Control signal. */
  gpc: z.boolean().optional(),
  /** The visitor's current shoutout_ref cookie, so a first-click org can keep it. */
  ref: existingRef,
});
export type BrowserClickInput = z.infer<typeof browserClickSchema>;

/** Seed 003's server-side click, for mobile apps and server-rendered redirects. */
export const serverClickSchema = z.object({
  programId: orgId.optional(),
  org: orgId.optional(),
  pageUrl,
  referralCode: code,
  referrer,
  consentGranted: z.boolean().optional(),
  ref: existingRef,
  /** The visitor's user agent and IP as the caller saw them; the request's own are the caller's. */
  userAgent: z.string().max(1024).optional(),
  ipAddress: z.union([z.ipv4(), z.ipv6()]).optional(),
});
export type ServerClickInput = z.infer<typeof serverClickSchema>;

export const verifySchema = z.object({
  programId: orgId.optional(),
  org: orgId.optional(),
  pageUrl,
  consentGranted: z.boolean().optional(),
});
export type VerifyInput = z.infer<typeof verifySchema>;

export const validateCodeQuery = z.object({ org: orgId.optional() });

/**
 * The org a call names, whichever name it used, and under which: `org`, seed 003's `programId`, or
 * Blitz Rocket's `campaignId` (its campaign is a whole referral program, an org here).
 */
export const namedOrg = (input: { org?: string; programId?: string; campaignId?: string }) =>
  input.campaignId
    ? { orgId: input.campaignId, param: 'campaignId' }
    : input.programId
      ? { orgId: input.programId, param: 'programId' }
      : { orgId: input.org, param: 'org' };

export const CLICK_WARNINGS = ['bot_ignored', 'consent_not_granted', 'global_privacy_control', 'first_click_kept', 'test_mode', 'page_url_outside_domains'] as const;
export type ClickWarning = (typeof CLICK_WARNINGS)[number];

/** What the pixel reads: the referral to keep, and the creator and discount for page code. */
export const browserClickResponse = z
  .object({
    ref: z.string().nullable().describe('The signed referral to keep in the `shoutout_ref` cookie; null when the click was ignored'),
    clickId: z.string().nullable(),
    cookieDays: z.number().int(),
    cleanupParams: z.array(z.string()).describe('Query parameters to take out of the address bar'),
    cleanUrl: z.string().nullable(),
    creator: publicCreatorResponse,
    discount: discountResponse,
  })
  .meta({ id: 'BrowserClick' });
export type BrowserClickResponse = z.infer<typeof browserClickResponse>;

/** Seed 003's answer; `ref` is added so a backend can also call identify with it. */
export const serverClickResponse = z
  .object({
    status: z.enum(['ok', 'ignored']),
    affiliateCode: z.string(),
    programId: z.string().describe('The org id'),
    clickToken: z.string().nullable(),
    ref: z.string().nullable(),
    cookieDurationDays: z.number().int(),
    cookieDomain: z.string().nullable(),
    cleanupParams: z.array(z.string()),
    warnings: z.array(z.enum(CLICK_WARNINGS)).describe('Why a click was ignored, or what to fix'),
  })
  .meta({ id: 'ServerClick' });
export type ServerClickResponse = z.infer<typeof serverClickResponse>;

export const codeValidationResponse = z
  .object({ valid: z.boolean(), creator: publicCreatorResponse.nullable(), discount: discountResponse.nullable() })
  .meta({ id: 'CodeValidation' });
export type CodeValidationResponse = z.infer<typeof codeValidationResponse>;

export const heartbeatResponse = z.object({ status: z.literal('ok'), programId: z.string(), domain: z.string() });
export type HeartbeatResponse = z.infer<typeof heartbeatResponse>;
