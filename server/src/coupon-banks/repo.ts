import type { Driver } from '../store/driver';
import type { OrgScope } from '../orgs/repo';

/** Seed 002's coupon bank: codes uploaded for one campaign, each handed to one advocate. The codes are promo codes with its `bankId`. */
export interface CouponBank extends OrgScope {
  id: string;
  campaignId: string;
  name: string;
  createdAt: Date;
}

export async function openCouponBankRepos(driver: Driver) {
  const banks = await driver.collection<CouponBank>({
    name: 'coupon_banks',
    indexes: [{ fields: ['id'], unique: true }, { fields: ['orgId', 'livemode'] }],
  });
  const byScope = ({ orgId, livemode }: OrgScope) => ({ orgId, livemode });
  return {
    couponBanks: {
      create: (bank: CouponBank) => banks.insertOne(bank),
      get: (scope: OrgScope, id: string) => banks.findOne({ ...byScope(scope), id }),
      list: (scope: OrgScope) => banks.find(byScope(scope), { sort: { createdAt: 1, id: 1 } }),
    },
  };
}
