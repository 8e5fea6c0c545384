import { presentAdvocate } from '../catalog/present';
import type { Campaign, Creator } from '../catalog/repo';
import type { Deps } from '../deps';
import { type Conversion, commissionCurrencyOf } from '../conversions/repo';
import type { OrgScope } from '../orgs/repo';
import { cond } from '../store/driver';

export interface Row {
  clicks: number;
  signups: number;
  conversions: number;
  /** Amounts in integer minor units of the report's currency. */
  revenue: number;
  discounts: number;
  commission: number;
  refunds: number;
  /** Purchases by the creator themself: counted here, and in none of the figures above. */
  self_referrals: number;
}

const emptyRow = (): Row => ({ clicks: 0, signups: 0, conversions: 0, revenue: 0, discounts: 0, commission: 0, refunds: 0, self_referrals: 0 });

/** A sale in the report's currency. */
function addSale(row: Row, conversion: Conversion) {
  if (conversion.status === 'flagged') {
    row.self_referrals += 1;
    return;
  }
  row.conversions += 1;
  row.revenue += conversion.amount;
  row.discounts += conversion.discount;
  row.refunds += conversion.refunded;
}

/**
 * Conversions and commission per currency, most conversions first: the report is in the first, and
 * the others are listed, not mixed in, so a reader knows what the figures leave out (a fixed
 * commission in another currency than the sales' included).
 */
function currencyTallies(conversions: Conversion[]): { currency: string; conversions: number; commission: number }[] {
  const tallies = new Map<string, { currency: string; conversions: number; commission: number }>();
  const tallyOf = (currency: string) => {
    let tally = tallies.get(currency);
    if (!tally) tallies.set(currency, (tally = { currency, conversions: 0, commission: 0 }));
    return tally;
  };
  for (const conversion of conversions) {
    if (conversion.status === 'flagged') continue;
    tallyOf(conversion.currency).conversions += 1;
    // A refunded sale's commission is 0: listing its currency would report "0 commission left out".
    if (conversion.commission) tallyOf(commissionCurrencyOf(conversion)).commission += conversion.commission;
  }
  return [...tallies.values()].sort((a, b) => b.conversions - a.conversions);
}

/**
 * Per org, campaign and creator over `[from, to)`: clicks, identified signups, conversions and their
 * money. Used by `GET /api/reports` and the Stripe App. Conversions count on the day they were paid.
 */
export async function buildReport(deps: Deps, scope: OrgScope, range: { from: Date; to: Date }) {
  const [campaigns, creators] = await Promise.all([deps.store.campaigns.list(scope), deps.store.creators.list(scope)]);
  return reportFor(deps, scope, range, { campaigns, creators });
}

/** The report with a row for each of the given campaigns and creators, for callers that listed them already. */
export async function reportFor(
  deps: Deps,
  scope: OrgScope,
  range: { from: Date; to: Date },
  { campaigns, creators }: { campaigns: Campaign[]; creators: Creator[] },
) {
  const all = await deps.store.conversions.list(scope, { createdAt: cond({ $gte: range.from, $lt: range.to }) });
  const [main, ...others] = currencyTallies(all);
  const currency = main?.currency ?? 'usd';
  // Four grouped counts, whatever the number of creators and campaigns.
  const [clicksByCampaign, clicksByCreator, signupsByCampaign, signupsByCreator] = await Promise.all([
    deps.store.clicks.countCreatedBy(scope, range, 'campaignId'),
    deps.store.clicks.countCreatedBy(scope, range, 'creatorId'),
    deps.store.bindings.countCreatedBy(scope, range, 'campaignId'),
    deps.store.bindings.countCreatedBy(scope, range, 'creatorId'),
  ]);
  // Every click and signup belongs to exactly one campaign.
  const sum = (counts: Map<string, number>) => [...counts.values()].reduce((total, count) => total + count, 0);
  const totals = { ...emptyRow(), clicks: sum(clicksByCampaign), signups: sum(signupsByCampaign) };
  const campaignRows = new Map(campaigns.map((campaign) => [campaign.id, emptyRow()]));
  const creatorRows = new Map(creators.map((creator) => [creator.id, emptyRow()]));
  // Commission is counted in its own currency, which for a fixed commission need not be the sale's.
  for (const conversion of all) {
    const isSale = conversion.currency === currency;
    const isCommission = commissionCurrencyOf(conversion) === currency && conversion.status !== 'flagged';
    if (!isSale && !isCommission) continue;
    for (const row of [totals, campaignRows.get(conversion.campaignId), creatorRows.get(conversion.creatorId)]) {
      if (!row) continue;
      if (isSale) addSale(row, conversion);
      if (isCommission) row.commission += conversion.commission;
    }
  }
  for (const [campaignId, row] of campaignRows) {
    row.clicks = clicksByCampaign.get(campaignId) ?? 0;
    row.signups = signupsByCampaign.get(campaignId) ?? 0;
  }
  for (const [creatorId, row] of creatorRows) {
    row.clicks = clicksByCreator.get(creatorId) ?? 0;
    row.signups = signupsByCreator.get(creatorId) ?? 0;
  }
  return {
    from: range.from,
    to: range.to,
    currency,
    other_currencies: others,
    totals,
    campaigns: campaigns.map((campaign) => ({ campaign_id: campaign.id, title: campaign.title, ...campaignRows.get(campaign.id)! })),
    creators: creators.map((creator) => ({
      creator_id: creator.id,
      handle: creator.handle,
      name: creator.name,
      avatar_url: creator.avatarUrl,
      email: creator.email,
      ...presentAdvocate(creator),
      ...creatorRows.get(creator.id)!,
    })),
  };
}

export type Report = Awaited<ReturnType<typeof reportFor>>;
