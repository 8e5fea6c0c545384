import { createManualConversion } from '../conversions/service';
import { newId } from '../crypto';
import { type BindableReferral, bindCustomer, referralOfToken } from '../customers/service';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import type { Org, OrgScope } from '../orgs/repo';
import type { RewardEntry } from '../rewards/repo';
import { type Caller, findActiveReferral, resolveOrg, validateCode } from '../tracking/service';
import type { ReferralReport } from './repo';
import { namedOrg } from '../tracking/schemas';
import type { ListReportsQuery, TrackPurchaseInput, TrackSignupInput } from './schemas';

/** Minor units of a major-unit amount (49.99 USD → 4999, 500 JPY → 500), as the currency counts them. */
export function toMinorUnits(amount: number, currency: string): number {
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  return Math.round(amount * 10 ** digits);
}

/** The referral a report is about: the cookie's, or the code's (live mode first for a browser). */
async function reportedReferral(deps: Deps, org: Org, caller: Caller, input: { ref?: string; referralCode?: string }): Promise<BindableReferral> {
  const livemode = caller.kind === 'key' ? caller.livemode : undefined;
  if (input.ref) return referralOfToken(deps, org, livemode, input.ref);
  const active = await findActiveReferral(deps, org, livemode === undefined ? [true, false] : [livemode], input.referralCode!);
  if (!active) {
    throw new ApiError('invalid_request_error', 'promo_code_not_found', `No active code ${input.referralCode} for this org.`, {
      param: 'referralCode',
      status: 404,
    });
  }
  return { scope: { orgId: org.id, livemode: active.promoCode.livemode }, active, clickId: null, referredAt: deps.now() };
}

/** A browser's report counts only when the org says it trusts them; a server's (with an API key) always does. */
const countsFor = (caller: Caller, org: Org) => caller.kind === 'key' || org.trustBrowserReports;

function newReport({ orgId, livemode }: OrgScope, fields: Omit<ReferralReport, 'orgId' | 'livemode' | 'id' | 'createdAt' | 'updatedAt'>, at: Date): ReferralReport {
  return { orgId, livemode, id: newId('rpt'), ...fields, createdAt: at, updatedAt: at };
}

/**
 * Blitz Rocket's track-signup. A server's call binds the user to the referral and pays the signup
 * rewards, as identify does; a browser's is kept as reported and does the same only when the org
 * trusts browser reports.
 */
export async function trackSignup(deps: Deps, caller: Caller, input: TrackSignupInput) {
  const { orgId, param } = namedOrg(input);
  const org = await resolveOrg(deps, caller, orgId, param);
  const referral = await reportedReferral(deps, org, caller, input);
  const externalId = input.externalId ?? input.email!;
  const counted = countsFor(caller, org);
  const rewards: RewardEntry[] = counted ? (await bindCustomer(deps, org, referral, externalId)).rewards : [];
  const customerHash = deps.secrets.hashExternalId(org.id, externalId);
  const { doc: report } = await deps.store.referralReports.record(
    newReport(
      referral.scope,
      {
        key: `signup:${customerHash}`,
        kind: 'signup',
        reportedBy: caller.kind === 'key' ? 'server' : 'browser',
        counted,
        customerHash,
        orderId: null,
        amount: null,
        currency: null,
        code: referral.active.promoCode.code,
        creatorId: referral.active.creator.id,
        campaignId: referral.active.campaign.id,
        clickId: referral.clickId,
        conversionId: null,
      },
      deps.now(),
    ),
  );
  return { report, rewards };
}

/**
 * Blitz Rocket's track-purchase. A server's call records the order as `POST /api/conversions` does
 * (commission and rewards, once per orderId); a browser's is kept as reported, and is credited
 * (as a `reported` conversion) only when the org trusts browser reports.
 */
export async function trackPurchase(deps: Deps, caller: Caller, input: TrackPurchaseInput) {
  const { orgId, param } = namedOrg(input);
  const org = await resolveOrg(deps, caller, orgId, param);
  if (caller.kind === 'browser' && !input.ref && !input.referralCode) {
    throw ApiError.invalid('parameter_missing', 'Missing required param: ref.', 'ref');
  }
  const amount = toMinorUnits(input.amount, input.currency);
  const externalId = input.externalId ?? input.email ?? null;
  const customerHash = externalId ? deps.secrets.hashExternalId(org.id, externalId) : null;
  const counted = countsFor(caller, org);
  const reportedBy: ReferralReport['reportedBy'] = caller.kind === 'key' ? 'server' : 'browser';
  const at = deps.now();
  const details = { key: `purchase:${input.orderId}`, kind: 'purchase' as const, reportedBy, counted, customerHash, orderId: input.orderId, amount, currency: input.currency };

  if (!counted) {
    const referral = await reportedReferral(deps, org, caller, input);
    const { active } = referral;
    const report = newReport(
      referral.scope,
      { ...details, code: active.promoCode.code, creatorId: active.creator.id, campaignId: active.campaign.id, clickId: referral.clickId, conversionId: null },
      at,
    );
    return { report: (await deps.store.referralReports.record(report)).doc, conversion: null };
  }
  // A browser's referral says which mode the order is in; a key's mode is its own.
  const livemode = caller.kind === 'key' ? caller.livemode : (await reportedReferral(deps, org, caller, input)).scope.livemode;
  const { conversion } = await createManualConversion(
    deps,
    org,
    livemode,
    {
      order_id: input.orderId,
      amount,
      currency: input.currency,
      email: input.email,
      externalId: externalId ?? undefined,
      ref: input.ref,
      coupon_code: input.referralCode?.toUpperCase(),
    },
    reportedBy === 'browser' ? 'reported' : 'offline',
  );
  const report = newReport(
    conversion,
    { ...details, code: conversion.code ?? '', creatorId: conversion.creatorId, campaignId: conversion.campaignId, clickId: conversion.clickId, conversionId: conversion.id },
    at,
  );
  const [{ doc }, rewards] = await Promise.all([deps.store.referralReports.record(report), deps.store.rewardEntries.forConversion(conversion, conversion.id)]);
  return { report: doc, conversion, rewards };
}

/** Blitz Rocket's validate-code: the code-check route under its name. */
export async function validateReferralCode(deps: Deps, caller: Caller, input: { org?: string; programId?: string; campaignId?: string; code: string }) {
  return validateCode(deps, caller, namedOrg(input).orgId, input.code);
}

/**
 * Reports newest first, each saying whether something other than a browser vouches for it: a
 * server's call, or a Stripe payment whose checkout session or payment intent is the reported order.
 */
export async function listReports(deps: Deps, scope: OrgScope, query: ListReportsQuery) {
  const after = query.starting_after ? await deps.store.referralReports.get(scope, query.starting_after) : undefined;
  if (after === null) throw ApiError.invalid('resource_missing', `No such report: ${query.starting_after}`, 'starting_after');
  const found = await deps.store.referralReports.page(scope, query.kind, { limit: query.limit + 1, after });
  const data = await Promise.all(found.slice(0, query.limit).map(async (report) => ({ report, paidOnStripe: await stripeConversionOf(deps, scope, report) })));
  return { data, has_more: found.length > query.limit };
}

async function stripeConversionOf(deps: Deps, scope: OrgScope, report: ReferralReport) {
  const orderId = report.orderId;
  if (!orderId) return null;
  if (orderId.startsWith('pi_')) return deps.store.conversions.findOne(scope, { paymentIntentId: orderId });
  if (orderId.startsWith('cs_')) return deps.store.conversions.findOne(scope, { checkoutSessionId: orderId });
  return null;
}
