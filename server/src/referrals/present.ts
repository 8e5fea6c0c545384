import { type Conversion, commissionCurrencyOf } from '../conversions/repo';
import { toUnixSeconds } from '../http/validate';
import type { RewardEntry } from '../rewards/repo';
import { presentRewardEntry } from '../rewards/present';
import type { ReferralReport } from './repo';
import type { ReferralReportResponse, TrackedResponse } from './schemas';

/**
 * A signup or purchase as reported: `status` is `recorded` when it counted (a server reported it, or
 * the org trusts browser reports) and `reported` when a browser's word is all there is.
 */
export function presentReport(report: ReferralReport, paidOnStripe: Conversion | null = null): ReferralReportResponse {
  return {
    id: report.id,
    object: 'referral_report',
    livemode: report.livemode,
    kind: report.kind,
    status: report.counted ? 'recorded' : 'reported',
    reported_by: report.reportedBy,
    confirmed: report.reportedBy === 'server' || paidOnStripe !== null,
    referralCode: report.code,
    creator: report.creatorId,
    campaign: report.campaignId,
    click: report.clickId,
    orderId: report.orderId,
    amount: report.amount,
    currency: report.currency,
    conversion: report.conversionId ?? paidOnStripe?.id ?? null,
    created: toUnixSeconds(report.createdAt),
  };
}

/** Blitz Rocket's answers carry `success`; the report and what it earned follow. */
export function presentTracked(tracked: { report: ReferralReport; rewards?: RewardEntry[]; conversion?: Conversion | null }): TrackedResponse {
  return {
    success: true,
    ...presentReport(tracked.report),
    commission: tracked.conversion ? { amount: tracked.conversion.commission, currency: commissionCurrencyOf(tracked.conversion) } : null,
    rewards: (tracked.rewards ?? []).map(presentRewardEntry),
  };
}
