import { z } from 'zod';

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
