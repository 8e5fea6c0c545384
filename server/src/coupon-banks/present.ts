import { toUnixSeconds } from '../http/validate';
import type { CouponBank } from './repo';
import type { CouponBankResponse } from './schemas';

export function presentCouponBank(bank: CouponBank, counts: { total: number; remaining: number }): CouponBankResponse {
  return {
    id: bank.id,
    object: 'coupon_bank',
    livemode: bank.livemode,
    name: bank.name,
    campaign: bank.campaignId,
    codes: counts.total,
    remaining: counts.remaining,
    created: toUnixSeconds(bank.createdAt),
  };
}
