import { z } from 'zod';
import { currencyCode, pageLimit } from '../http/validate';
import { code, codeValidationResponse, existingRef, orgId, serverClickResponse, serverClickSchema } from '../tracking/schemas';
import { pageOf, unixTime } from '../http/wire';
import { rewardEntryResponse } from '../rewards/schemas';

/*
 * Blitz Rocket's tracking API, served under its own names. Its `campaignId` names a whole referral
 * program, which is an org here; `org` and `programId` are taken as on the other tracking routes.
 */
const program = {
  org: orgId.optional(),
  programId: orgId.optional(),
  campaignId: orgId.optional().describe('Blitz Rocket’s name for the program: your org id (org_…)'),
};
const user = {
  email: z.email().max(254).optional().describe('The user’s email: their externalId when none is given, and checked for self-referrals'),
  externalId: z.string().min(1).max(256).optional().describe('Your user id, as you pass it to identify; hashed on receipt'),
};
const referral = {
  ref: existingRef.describe('The shoutout_ref cookie (the pixel sends it)'),
  referralCode: code.optional().describe('The code the user came with, when there is no cookie'),
};
const needsUser = { message: 'one of externalId or email is required', path: ['externalId'] };
const hasUser = (input: { email?: string; externalId?: string }) => Boolean(input.externalId || input.email);

export const trackVisitSchema = serverClickSchema.extend(program);

export const trackSignupSchema = z
  .object({ ...program, ...user, ...referral })
  .refine(hasUser, needsUser)
  .refine((input) => input.ref || input.referralCode, { message: 'one of ref or referralCode is required', path: ['ref'] });
export type TrackSignupInput = z.infer<typeof trackSignupSchema>;

export const trackPurchaseSchema = z
  .object({
    ...program,
    ...user,
    ...referral,
    orderId: z.string().trim().min(1).max(200).describe('Your order id: a purchase is counted once per orderId'),
    amount: z.number().min(0).max(1e12).describe('What was paid, in the currency’s major units as Blitz Rocket takes it (49.99 for $49.99)'),
    currency: currencyCode,
  })
  .refine((input) => input.ref || input.referralCode || input.externalId || input.email, {
    message: 'one of ref, referralCode, externalId or email is required',
    path: ['ref'],
  });
export type TrackPurchaseInput = z.infer<typeof trackPurchaseSchema>;

export const validateReferralCodeQuery = z
  .object({ ...program, code: code.optional(), referralCode: code.optional() })
  .refine((input) => input.code || input.referralCode, { message: 'one of code or referralCode is required', path: ['code'] });

export const listReportsQuery = z
  .object({
    kind: z.enum(['signup', 'purchase']).optional(),
    limit: pageLimit,
    starting_after: z.string().min(1).max(200).optional().describe('The last report id of the page before, for the next page'),
  })
  .strict();
export type ListReportsQuery = z.infer<typeof listReportsQuery>;

/** A signup or purchase as reported: `recorded` when it counted, `reported` when a browser's word is all there is. */
export const referralReportResponse = z
  .object({
    id: z.string(),
    object: z.literal('referral_report'),
    livemode: z.boolean(),
    kind: z.enum(['signup', 'purchase']),
    status: z.enum(['recorded', 'reported']),
    reported_by: z.enum(['browser', 'server']),
    confirmed: z.boolean().describe("A server's call or a Stripe payment vouches for it"),
    referralCode: z.string(),
    creator: z.string(),
    campaign: z.string(),
    click: z.string().nullable(),
    orderId: z.string().nullable(),
    amount: z.number().nullable(),
    currency: z.string().nullable(),
    conversion: z.string().nullable(),
    created: unixTime,
  })
  .meta({ id: 'ReferralReport' });
export type ReferralReportResponse = z.infer<typeof referralReportResponse>;

/** Blitz Rocket's answers carry `success`; the report and what it earned follow. */
export const trackedResponse = referralReportResponse
  .extend({
    success: z.literal(true),
    commission: z.object({ amount: z.number().int(), currency: z.string() }).nullable(),
    rewards: z.array(rewardEntryResponse),
  })
  .meta({ id: 'TrackedReport' });
export type TrackedResponse = z.infer<typeof trackedResponse>;

export const trackVisitResponse = serverClickResponse.extend({ success: z.boolean() });
export const referralCodeValidationResponse = codeValidationResponse.extend({ referralCode: z.string() });
export const referralReportPageResponse = pageOf(referralReportResponse);
export type TrackVisitResponse = z.infer<typeof trackVisitResponse>;
export type ReferralCodeValidationResponse = z.infer<typeof referralCodeValidationResponse>;
export type ReferralReportPageResponse = z.infer<typeof referralReportPageResponse>;
