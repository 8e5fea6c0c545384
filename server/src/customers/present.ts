import { toUnixSeconds } from '../http/validate';
import type { Binding } from './repo';

/**
 * A user's binding as `customer.identified` events carry it. Shoutout keeps the brand's user id
 * only as its keyed hash, so the event names the referral and that opaque `customer`, never the id.
 */
export function presentBinding(binding: Binding) {
  return {
    object: 'customer_referral',
    livemode: binding.livemode,
    customer: binding.externalIdHash,
    creator: binding.creatorId,
    campaign: binding.campaignId,
    promo_code: binding.promoCodeId,
    code: binding.code,
    click: binding.clickId,
    referred_at: toUnixSeconds(binding.referredAt),
    created: toUnixSeconds(binding.createdAt),
    updated: toUnixSeconds(binding.updatedAt),
  };
}
