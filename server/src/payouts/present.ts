import type { Creator } from '../catalog/repo';
import { toUnixSeconds } from '../http/validate';
import type { Payout } from './repo';
import type { CreatorBalanceResponse, PayoutResponse } from './schemas';
import type { Ledger } from './service';

export function presentBalance(ledger: Ledger, creator: Pick<Creator, 'handle'> | null): CreatorBalanceResponse {
  return {
    object: 'creator_balance',
    creator: ledger.creatorId,
    creator_handle: creator?.handle ?? null,
    currency: ledger.currency,
    due: ledger.earned - ledger.paid,
    pending: ledger.pending,
    paid: ledger.paid,
    due_through: toUnixSeconds(ledger.dueThrough),
    last_payout: ledger.latest?.id ?? null,
  };
}

export function presentPayout(payout: Payout, creator: Pick<Creator, 'handle'> | null): PayoutResponse {
  return {
    id: payout.id,
    object: 'payout',
    livemode: payout.livemode,
    creator: payout.creatorId,
    creator_handle: creator?.handle ?? null,
    currency: payout.currency,
    amount: payout.amount,
    period: { start: toUnixSeconds(payout.periodStart), end: toUnixSeconds(payout.through) },
    commission: payout.periodCommission,
    adjustments: payout.amount - payout.periodCommission,
    reference: payout.reference,
    created: toUnixSeconds(payout.createdAt),
  };
}
