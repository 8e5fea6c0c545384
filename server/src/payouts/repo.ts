import type { OrgScope } from '../orgs/repo';
import type { Driver, Filter } from '../store/driver';
import { type Outboxed, outboxIndex, outboxOf } from '../store/outbox';
import { pageNewestFirst } from '../store/paging';

/**
 * A payment the brand made to a creator, outside Shoutout (bank transfer, PayPal), recorded here.
 * Payouts are a ledger: what is due is the commission matured so far less every payout, so a refund
 * after a payout lowers the next one instead of rewriting the past.
 */
export interface Payout extends OrgScope, Outboxed {
  id: string;
  creatorId: string;
  /** The commissions' currency (`commissionCurrencyOf`): the sale's, or a fixed commission's own. */
  currency: string;
  /** 1, 2, … per creator and currency: two payouts made from the same balance collide on it. */
  sequence: number;
  amount: number;
  /** Covers the commission of conversions created before this (past the hold period at the time). */
  through: Date;
  /** The previous payout's `through`: the conversions new in this one were created in `[periodStart, through)`. */
  periodStart: Date | null;
  /** The commission of those conversions when paid; the rest of `amount` is adjustments to earlier periods. */
  periodCommission: number;
  /** The brand's own reference for the transfer (a bank or PayPal transaction id). */
  reference: string | null;
  createdAt: Date;
}

export async function openPayoutRepos(driver: Driver) {
  const payouts = await driver.collection<Payout>({
    name: 'payouts',
    indexes: [
      { fields: ['id'], unique: true },
      { fields: ['orgId', 'livemode', 'creatorId', 'currency', 'sequence'], unique: true },
      { fields: ['orgId', 'livemode', 'createdAt', 'id'] },
      outboxIndex<Payout>(),
    ],
  });
  const byScope = ({ orgId, livemode }: OrgScope) => ({ orgId, livemode });

  return {
    payouts: {
      /** Throws DuplicateKeyError when another payout took this sequence number first. */
      insert: (payout: Payout) => payouts.insertOne(payout),
      outbox: outboxOf(payouts, (payout) => ({ id: payout.id })),
      get: (scope: OrgScope, id: string) => payouts.findOne({ ...byScope(scope), id }),
      /** Every payout of the scope (or of one creator), for balances. */
      list: (scope: OrgScope, filter: Filter<Payout> = {}) => payouts.find({ ...filter, ...byScope(scope) }, { sort: { sequence: 1, id: 1 } }),
      page: (scope: OrgScope, creatorId: string | undefined, options: { limit?: number; after?: Payout }) =>
        pageNewestFirst(payouts, { ...byScope(scope), ...(creatorId && { creatorId }) }, {}, options),
    },
  };
}
