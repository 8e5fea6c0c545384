import { presentCampaign, presentCreator, presentPromoCode } from '../catalog/present';
import type { PromoCode } from '../catalog/repo';
import { createCreator, createPromoCode, getCampaign } from '../catalog/service';
import { mintDownloadToken } from '../conversions/download';
import type { AppConversionsQuery, ConversionFilters } from '../conversions/schemas';
import { conversionForPayment, conversionsForCustomer, listConversions } from '../conversions/service';
import type { Deps } from '../deps';
import { ApiError } from '../http/errors';
import { toUnixSeconds } from '../http/validate';
import { presentApiKey, presentOrg } from '../orgs/present';
import type { Org, OrgScope } from '../orgs/repo';
import { listApiKeys } from '../orgs/service';
import type { AppPayoutsQuery } from '../payouts/schemas';
import { listBalances, listPayouts, statementFilters } from '../payouts/service';
import type { Row } from '../reports/schemas';
import { reportFor } from '../reports/service';
import { balancesOf, creatorBalances, customerParticipant } from '../rewards/service';
import {
  type AppCreatorResponse,
  type AppOverviewResponse,
  type AppPromoCodeResponse,
  type AppRewardSummary,
  type AppSettingsResponse,
  type CreateCreatorWithCodeInput,
  type CustomerAttributionResponse,
  PERIOD_DAYS,
  type Period,
} from './schemas';
import { listEndpoints } from '../webhooks/service';

const DAY_MS = 86_400_000;

/** Where a creator's code is shared: the brand's first domain with its first referral parameter. */
export function shareUrl(org: Pick<Org, 'domains' | 'referralParams'>, code: string): string | null {
  const [domain] = org.domains;
  const [param] = org.referralParams;
  if (!domain || !param) return null;
  return `https://${domain}/?${encodeURIComponent(param)}=${encodeURIComponent(code)}`;
}

export function presentAppPromoCode(org: Org, promoCode: PromoCode): AppPromoCodeResponse {
  return { ...presentPromoCode(promoCode), share_url: shareUrl(org, promoCode.code) };
}

/** Just the figures of a report row, without its ids and names. */
const rowOf = (row: Row): Row => ({
  clicks: row.clicks,
  signups: row.signups,
  conversions: row.conversions,
  revenue: row.revenue,
  discounts: row.discounts,
  commission: row.commission,
  refunds: row.refunds,
  self_referrals: row.self_referrals,
});

const CONVERSIONS_PAGE_SIZE = 25;

/**
 * The drawer's conversions view: a page of them, and where to download all of them as CSV (a
 * path on this server, signed for this org, mode and filters; the view cannot save files itself).
 */
export async function appConversions(deps: Deps, scope: OrgScope, { starting_after, ...filters }: AppConversionsQuery) {
  const [page, download_path] = await Promise.all([
    listConversions(deps, scope, { ...filters, starting_after, limit: CONVERSIONS_PAGE_SIZE }),
    downloadPath(deps, scope, filters),
  ]);
  return { ...page, download_path };
}

/** A path on this server to these conversions as CSV, signed for this org and mode, for 15 minutes. */
async function downloadPath(deps: Deps, scope: OrgScope, filters: ConversionFilters) {
  return `/api/downloads/conversions?token=${await mintDownloadToken(deps.secrets.downloadSigningKey, scope, filters, deps.now())}`;
}

const PAYOUTS_PAGE_SIZE = 10;

/**
 * The payouts view's history, newest first, each payout with its statement: a link to the
 * creator's conversions new in it (its period, its currency) as CSV, to send along with the transfer.
 */
export async function appPayouts(deps: Deps, scope: OrgScope, query: AppPayoutsQuery) {
  const page = await listPayouts(deps, scope, { ...query, limit: PAYOUTS_PAGE_SIZE });
  const data = await Promise.all(
    page.data.map(async (payout) => ({
      ...payout,
      statement_path: await downloadPath(deps, scope, statementFilters(payout)),
    })),
  );
  return { ...page, data };
}

/** The drawer's payouts view: every creator's balance, and the hold period behind `pending`. */
export async function appBalances(deps: Deps, org: Org, scope: OrgScope) {
  return { ...(await listBalances(deps, org, scope, {})), payout_hold_days: org.payoutHoldDays };
}

/** The drawer: figures for the period, every campaign and creator (also those without activity), and each creator's codes. */
export async function appOverview(deps: Deps, org: Org, scope: OrgScope, period: Period): Promise<Omit<AppOverviewResponse, 'access'>> {
  // Whole seconds, as the answer gives them: the conversions view asks for exactly this range, so
  // it lists every conversion these figures count, the last second's included (and also the
  // self-referrals and other currencies the figures leave out, each marked).
  const to = new Date(Math.ceil(deps.now().getTime() / 1000) * 1000);
  const from = new Date(to.getTime() - PERIOD_DAYS[period] * DAY_MS);
  const [campaigns, creators, promoCodes] = await Promise.all([
    deps.store.campaigns.list(scope),
    deps.store.creators.list(scope),
    deps.store.promoCodes.list(scope),
  ]);
  const [report, rewards] = await Promise.all([
    reportFor(deps, scope, { from, to }, { campaigns, creators }),
    creatorBalances(deps, scope, creators.map((creator) => creator.id)),
  ]);
  const campaignRows = new Map(report.campaigns.map((row) => [row.campaign_id, rowOf(row)]));
  const creatorRows = new Map(report.creators.map((row) => [row.creator_id, rowOf(row)]));
  return {
    object: 'app_overview',
    livemode: scope.livemode,
    period,
    from: toUnixSeconds(from),
    to: toUnixSeconds(to),
    currency: report.currency,
    other_currencies: report.other_currencies,
    totals: rowOf(report.totals),
    campaigns: campaigns.map((campaign) => ({ ...presentCampaign(campaign), figures: campaignRows.get(campaign.id)! })),
    creators: creators.map((creator) => ({
      ...presentCreator(creator),
      figures: creatorRows.get(creator.id)!,
      // Balances are all-time: points are spent whenever, not per period.
      rewards: rewardSummary(rewards.get(creator.id)!),
      promo_codes: promoCodes.filter((code) => code.creatorId === creator.id).map((code) => presentAppPromoCode(org, code)),
    })),
  };
}

const rewardSummary = ({ points, balances }: AppRewardSummary): AppRewardSummary => ({ points, balances });

/**
 * The drawer's form in one call; an existing handle gets the new code. A refused form leaves no
 * creator behind: the campaign and code are checked before anything is written, and a creator made
 * here goes again if the code then fails (Stripe refused it, or it was taken meanwhile).
 */
export async function createCreatorWithCode(deps: Deps, org: Org, scope: OrgScope, input: CreateCreatorWithCodeInput): Promise<AppCreatorResponse> {
  const { campaign: campaignId, code, ...creatorInput } = input;
  await getCampaign(deps, scope, campaignId);
  if (await deps.store.promoCodes.getByCode(scope, code)) {
    throw ApiError.conflict('promo_code_exists', `The code ${code} is already in use.`, 'code');
  }
  const existing = await deps.store.creators.getByHandle(scope, creatorInput.handle);
  const creator = existing ?? (await createCreator(deps, scope, creatorInput));
  try {
    const promoCode = await createPromoCode(deps, scope, { code, creator: creator.id, campaign: campaignId });
    return { ...presentCreator(creator), promo_codes: [presentAppPromoCode(org, promoCode)] };
  } catch (error) {
    if (!existing) await deps.store.creators.remove(scope, creator.id);
    throw error;
  }
}

/**
 * Settings: the org, this mode's API keys, per allowed domain whether the pixel has reported in,
 * and whether this server can email creators (their emails and portal invitations need SMTP).
 */
export async function appSettings(deps: Deps, org: Org, scope: OrgScope): Promise<Omit<AppSettingsResponse, 'access'>> {
  const [keys, heartbeats, endpoints] = await Promise.all([
    listApiKeys(deps, org.id, scope.livemode),
    deps.store.heartbeats.list(org.id),
    listEndpoints(deps, scope),
  ]);
  const seen = new Map(heartbeats.map((beat) => [beat.domain, beat]));
  const domains = [...new Set([...org.domains, ...seen.keys()])];
  return {
    object: 'app_settings',
    livemode: scope.livemode,
    org: presentOrg(org),
    api_keys: keys.map((key) => presentApiKey(key)),
    webhook_endpoints: endpoints.data,
    creator_email: { configured: deps.mailer.configured },
    pixel: domains.map((domain) => ({
      domain,
      allowed: org.domains.includes(domain),
      last_seen: toUnixSeconds(seen.get(domain)?.lastSeenAt),
      page_url: seen.get(domain)?.pageUrl ?? null,
    })),
  };
}

/**
 * The referral bound at signup (identify) to the brand's user behind this Stripe customer, known
 * when the customer's metadata carries the user id: it shows a referral before any payment (trials).
 */
async function signupReferral(deps: Deps, scope: OrgScope, externalIdHash: string | null): Promise<CustomerAttributionResponse['signup_referral']> {
  const binding = externalIdHash ? await deps.store.bindings.get(scope, externalIdHash) : null;
  if (!binding) return null;
  const creator = await deps.store.creators.get(scope, binding.creatorId);
  return {
    creator: binding.creatorId,
    creator_handle: creator?.handle ?? null,
    code: binding.code,
    campaign: binding.campaignId,
    // Named as a conversion attributed through the bound customer is.
    source: 'customer',
    click: binding.clickId,
    referred_at: toUnixSeconds(binding.referredAt),
  };
}

/** The customer page: who referred this customer and what their purchases earned, per currency. */
export async function customerAttribution(deps: Deps, scope: OrgScope, stripeCustomerId: string): Promise<CustomerAttributionResponse> {
  // The brand's user behind the customer (their metadata's user id, hashed), when known: their
  // signup referral and, as the friend of a referral, their own rewards.
  const externalIdHash = (await deps.store.customerLinks.get(scope, stripeCustomerId))?.externalIdHash ?? null;
  const [conversions, signup, rewards] = await Promise.all([
    conversionsForCustomer(deps, scope, stripeCustomerId),
    signupReferral(deps, scope, externalIdHash),
    externalIdHash ? balancesOf(deps, scope, customerParticipant(externalIdHash)) : null,
  ]);
  const totals = new Map<string, { currency: string; revenue: number; commission: number }>();
  // A flagged conversion (self-referral) earns nothing and referred no one: it is shown, not counted.
  const counted = conversions.filter((each) => each.status !== 'flagged');
  const totalIn = (currency: string) => {
    const total = totals.get(currency) ?? { currency, revenue: 0, commission: 0 };
    totals.set(currency, total);
    return total;
  };
  for (const conversion of counted) {
    totalIn(conversion.currency).revenue += conversion.amount - conversion.refunded;
    totalIn(conversion.commission_currency).commission += conversion.commission;
  }
  return {
    object: 'customer_attribution',
    customer: stripeCustomerId,
    livemode: scope.livemode,
    // Listed newest first: the oldest counted conversion says who referred the customer.
    referral: counted.at(-1) ?? null,
    signup_referral: signup,
    /** Null when Shoutout does not know which of the brand's users this customer is. */
    rewards: rewards && rewardSummary(rewards),
    totals: [...totals.values()],
    conversions,
  };
}

export async function paymentAttribution(deps: Deps, scope: OrgScope, paymentId: string) {
  return { object: 'payment_attribution', payment: paymentId, livemode: scope.livemode, conversion: await conversionForPayment(deps, scope, paymentId) };
}
