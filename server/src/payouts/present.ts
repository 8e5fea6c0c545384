import type { Creator } from '../catalog/repo';
import { toUnixSeconds } from '../http/validate';
import type { Payout } from './repo';
import type { Ledger } from './service';

export function presentBalance(ledger: Ledger, creator: Pick<Creator, 'handle'> | null) {
  return {
    object: 'creator_balance',
    creator: ledger.creatorId,
    creator_handle: creator?.handle ?? null,
    currency: ledger.currency,
    /** Negative when refunds after a payout took back more than has been earned since. */
    due: ledger.earned - ledger.paid,
    pending: ledger.pending,
    paid: ledger.paid,
    /** Conversions created before this are covered by `due` and `paid`; later ones are `pending`. */
    due_through: toUnixSeconds(ledger.dueThrough),
    last_payout: ledger.latest?.id ?? null,
  };
}

export function presentPayout(payout: Payout, creator: Pick<Creator, 'handle'> | null) {
  return {
    id: payout.id,
    object: 'payout',
    livemode: payout.livemode,
    creator: payout.creatorId,
    creator_handle: creator?.handle ?? null,
    currency: payout.currency,
    amount: payout.amount,
    /** The conversions new in this payout were created in `[start, end)`: export them with these as `from` and `to`. */
    period: { start: toUnixSeconds(payout.periodStart), end: toUnixSeconds(payout.through) },
    commission: payout.periodCommission,
    /** Refunds of conversions from earlier periods (negative) and conversions that arrived late for them. */
    adjustments: payout.amount - payout.periodCommission,
    reference: payout.reference,
    created: toUnixSeconds(payout.createdAt),
  };
}
